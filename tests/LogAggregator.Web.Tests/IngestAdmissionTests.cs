using System.Reflection;
using LogAggregator.Configuration;
using LogAggregator.Web.Controllers;
using LogAggregator.Web.Services;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace LogAggregator.Web.Tests;

/// <summary>The ingest memory bound (http.max-ingest-in-flight); FloodTests drives it over HTTP with 32 clients.</summary>
public sealed class IngestAdmissionTests
{
    private static readonly LogAggregatorSettings Settings = LogAggregatorConfig.Load(new Dictionary<string, string?>()).Settings with
    {
        Http = LogAggregatorConfig.Load(new Dictionary<string, string?>()).Settings.Http with { MaxBodySize = 1000, MaxIngestInFlight = 1500 },
    };

    [Fact]
    public void Bodies_are_admitted_up_to_the_bound_and_refused_beyond_it_until_one_is_answered()
    {
        var admission = new IngestAdmission(Settings);

        var first = admission.Admit(Request(800));
        var second = admission.Admit(Request(700));
        Assert.Throws<ServerBusyException>(() => admission.Admit(Request(1)));

        first.Dispose();
        first.Dispose();
        using var third = admission.Admit(Request(800));
        Assert.Equal(1500, admission.InFlightBytes);
        second.Dispose();
        Assert.Equal(800, admission.InFlightBytes);
    }

    [Fact]
    public void A_compressed_body_or_one_of_unknown_length_is_charged_the_whole_body_limit()
    {
        var admission = new IngestAdmission(Settings);
        var gzip = Request(10);
        gzip.Headers.ContentEncoding = "gzip";

        using (admission.Admit(gzip))
        {
            Assert.Equal(1000, admission.InFlightBytes);
        }

        using (admission.Admit(Request(null)))
        {
            Assert.Equal(1000, admission.InFlightBytes);
        }
    }

    [Fact]
    public void One_request_is_admitted_when_none_is_in_flight_even_past_the_bound()
    {
        var admission = new IngestAdmission(Settings with { Http = Settings.Http with { MaxIngestInFlight = 10 } });

        using var only = admission.Admit(Request(900));

        Assert.Throws<ServerBusyException>(() => admission.Admit(Request(1)));
    }

    [Fact]
    public void Every_ingest_endpoint_is_under_the_bound()
    {
        // Every POST that stores entries; a new one without [BoundedIngest] fails here.
        var posts = typeof(LogsController).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(ControllerBase)))
            .SelectMany(t => t.GetMethods())
            .Where(m => m.GetCustomAttributes<HttpPostAttribute>().Any(a => a.Template is "/api/logs" or "/v1/logs" or "/api/events/raw" or "/loki/api/v1/push"))
            .ToList();

        Assert.Equal(4, posts.Count);
        Assert.All(posts, m => Assert.NotNull(m.GetCustomAttribute<BoundedIngestAttribute>()));
    }

    private static HttpRequest Request(long? length)
    {
        var context = new DefaultHttpContext();
        context.Request.ContentLength = length;
        return context.Request;
    }
}
