namespace LogAggregator.Configuration;

/// <summary>A setting that cannot be used. The message is one line that names the variable or HOCON path.</summary>
public sealed class ConfigurationException(string message) : Exception(message);
