using LogAggregator.Web.Security;

namespace LogAggregator.Web.Tests.Security;

/// <summary>Which listening addresses reach beyond this machine (the end-to-end test shows the warning itself).</summary>
public sealed class ExposureWarningTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8062", true)]
    [InlineData("http://127.0.0.2:8062", true)]
    [InlineData("http://[::1]:8062", true)]
    [InlineData("http://localhost:8062", true)]
    [InlineData("https://LOCALHOST:443", true)]
    [InlineData("http://0.0.0.0:8062", false)]
    [InlineData("http://[::]:8062", false)]
    [InlineData("http://*:8062", false)]
    [InlineData("http://+:8062", false)]
    [InlineData("http://192.168.1.20:8062", false)]
    [InlineData("http://logs.example:8062", false)]
    [InlineData("not a url", false)]
    public void Only_loopback_addresses_count_as_local(string address, bool loopback)
    {
        Assert.Equal(loopback, ExposureWarning.IsLoopback(address));
    }
}
