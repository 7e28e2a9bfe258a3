using System.Globalization;
using LogAggregator.Configuration;
using LogAggregator.Web.Controllers;
using Microsoft.AspNetCore.Mvc.Filters;

namespace LogAggregator.Web.Services;

/// <summary>
/// Fair use of the regex scans, the one query whose cost a client picks: at most
/// <c>http.max-concurrent-searches</c> run at once (one more gets 503 with Retry-After), and with
/// <c>http.max-search-range</c> set, a search must name a time range no wider than it (else 400).
/// </summary>
public sealed class SearchLimits(LogAggregatorSettings settings)
{
    private int _running;

    public int Running => Volatile.Read(ref _running);

    /// <summary>The slot to dispose once the search is answered.</summary>
    public IDisposable Enter(DateTime? from, DateTime? to, DateTime now)
    {
        var widest = settings.Http.MaxSearchRange;
        if (widest > TimeSpan.Zero && (from is null || (to ?? now) - from.Value > widest))
        {
            throw new BadRequestException(
                "start_time",
                $"a search may cover at most {Describe(widest)} (http.max-search-range): give start_time, no more than that before end_time (or now)");
        }

        if (Interlocked.Increment(ref _running) > settings.Http.MaxConcurrentSearches)
        {
            Interlocked.Decrement(ref _running);
            throw new ServerBusyException(
                "Searches busy",
                $"{settings.Http.MaxConcurrentSearches} searches are running (http.max-concurrent-searches); retry later");
        }

        return new Slot(this);
    }

    private static string Describe(TimeSpan span) =>
        span.TotalHours >= 1 && span.TotalHours % 1 == 0 ? $"{span.TotalHours.ToString(CultureInfo.InvariantCulture)} h" : span.ToString("c", CultureInfo.InvariantCulture);

    private sealed class Slot(SearchLimits limits) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                Interlocked.Decrement(ref limits._running);
            }
        }
    }
}

/// <summary>
/// Puts a query endpoint's regex scan under <see cref="SearchLimits"/>: only a request with a non-empty <c>q</c> scans,
/// so only that one takes a slot; held until the response is written (an export streams its scan).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BoundedSearchAttribute : Attribute, IAsyncResourceFilter
{
    public async Task OnResourceExecutionAsync(ResourceExecutingContext context, ResourceExecutionDelegate next)
    {
        var query = context.HttpContext.Request.Query;
        if (string.IsNullOrEmpty(query["q"]))
        {
            await next();
            return;
        }

        var from = QueryParameters.Time("start_time", query["start_time"]);
        var to = QueryParameters.Time("end_time", query["end_time"]);
        using var slot = context.HttpContext.RequestServices.GetRequiredService<SearchLimits>().Enter(from, to, DateTime.UtcNow);
        await next();
    }
}
