using LogAggregator.Configuration;
using LogAggregator.Web;

WebApplication app;
try
{
    app = LogAggregatorApp.Build(args);
}
catch (ConfigurationException e)
{
    // One line naming the setting, and no stack trace: this is the operator's mistake to fix.
    Console.Error.WriteLine($"log-aggregator: configuration error: {e.Message}");
    return 2;
}
catch (DataDirectoryInUseException e)
{
    Console.Error.WriteLine($"log-aggregator: {e.Message}");
    return 2;
}

await app.RunAsync();
return 0;

public partial class Program;
