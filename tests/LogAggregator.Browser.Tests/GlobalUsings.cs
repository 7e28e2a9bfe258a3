global using static LogAggregator.Browser.Tests.UiServer;
