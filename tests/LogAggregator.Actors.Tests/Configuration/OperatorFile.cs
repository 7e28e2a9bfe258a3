using LogAggregator.Configuration;

namespace LogAggregator.Tests.Configuration;

/// <summary>An operator's HOCON file in the temp directory for one test; deleted on dispose, also when the test fails.</summary>
internal sealed class OperatorFile : IDisposable
{
    public OperatorFile(string text) => Write(text);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"logagg-{Guid.NewGuid():N}.conf");

    /// <summary>The settings the server loads from the shipped file, an operator file and the environment, in /work-dir.</summary>
    public static LogAggregatorSettings Load(Dictionary<string, string?> environment, string? operatorFile = null) =>
        LogAggregatorConfig.Load(environment, operatorFile, ShippedSettings.File, "/work-dir").Settings;

    public void Write(string text) => File.WriteAllText(Path, text);

    public void Dispose() => File.Delete(Path);
}
