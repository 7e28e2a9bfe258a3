using LogAggregator.Configuration;
using Microsoft.AspNetCore.Mvc.Filters;

namespace LogAggregator.Web.Services;

/// <summary>
/// Bounds the memory of HTTP ingestion: the request bodies being read, parsed and committed at once may add up to
/// <c>log-aggregator.http.max-ingest-in-flight</c> bytes. A request that would pass it is answered 503 with
/// Retry-After before its body is read, instead of queueing behind a store that has fallen behind. A body is charged
/// its Content-Length, or the whole body limit when it is compressed or its length is unknown (it may inflate that
/// far); one request is always admitted when none is in flight, so a bound below the body limit cannot starve it.
/// </summary>
public sealed class IngestAdmission(LogAggregatorSettings settings)
{
    private readonly Lock _lock = new();
    private long _inFlight;

    public long InFlightBytes
    {
        get
        {
            lock (_lock)
            {
                return _inFlight;
            }
        }
    }

    /// <summary>The lease to dispose once the request is answered; throws <see cref="ServerBusyException"/> beyond the bound.</summary>
    public IDisposable Admit(HttpRequest request)
    {
        var limit = settings.Http.MaxBodySize;
        var compressed = request.Headers.ContentEncoding.Count > 0 && request.Headers.ContentEncoding.ToString() is not ("" or "identity");
        var charge = compressed || request.ContentLength is null ? limit : Math.Min(request.ContentLength.Value, limit);
        lock (_lock)
        {
            if (_inFlight > 0 && _inFlight + charge > settings.Http.MaxIngestInFlight)
            {
                throw new ServerBusyException(
                    "Ingestion busy",
                    $"ingestion is at its memory bound ({_inFlight} bytes of bodies in flight, at most {settings.Http.MaxIngestInFlight}); retry later");
            }

            _inFlight += charge;
        }

        return new Lease(this, charge);
    }

    private void Release(long charge)
    {
        lock (_lock)
        {
            _inFlight -= charge;
        }
    }

    private sealed class Lease(IngestAdmission admission, long charge) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                admission.Release(charge);
            }
        }
    }
}

/// <summary>Answered 503 with a short Retry-After: the server is busy, not broken, and a client retrying soon is welcome.</summary>
public sealed class ServerBusyException(string title, string message) : Exception(message)
{
    public const int RetryAfterSeconds = 1;

    public string Title { get; } = title;
}

/// <summary>Puts an ingest endpoint under <see cref="IngestAdmission"/>: admitted before its body is read, released once answered.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BoundedIngestAttribute : Attribute, IAsyncResourceFilter
{
    public async Task OnResourceExecutionAsync(ResourceExecutingContext context, ResourceExecutionDelegate next)
    {
        using var lease = context.HttpContext.RequestServices.GetRequiredService<IngestAdmission>().Admit(context.HttpContext.Request);
        await next();
    }
}
