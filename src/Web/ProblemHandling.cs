using Akka.Actor;
using LogAggregator.Ingestion.Protocols;
using LogAggregator.Web.Controllers;
using LogAggregator.Web.Services;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace LogAggregator.Web;

/// <summary>Turns the exceptions the API expects into RFC 7807 problem bodies with the right status.</summary>
public sealed class ProblemHandling(IProblemDetailsService problems, ILogger<ProblemHandling> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail, field) = exception switch
        {
            BadRequestException bad => (StatusCodes.Status400BadRequest, "Bad request", bad.Message, bad.Field),
            ProtocolException bad => (StatusCodes.Status400BadRequest, "Bad request", bad.Message, bad.Field),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } big =>
                (StatusCodes.Status413PayloadTooLarge, "Body too large", big.Message, null),
            BadHttpRequestException bad => (bad.StatusCode, "Bad request", bad.Message, null),
            StoreUnavailableException unavailable => (StatusCodes.Status503ServiceUnavailable, "Store unavailable", unavailable.Message, null),
            ServerBusyException busy => (StatusCodes.Status503ServiceUnavailable, busy.Title, busy.Message, null),
            AskTimeoutException => (StatusCodes.Status504GatewayTimeout, "Query timed out", "the query did not finish within the ask timeout", null),
            OperationCanceledException when context.RequestAborted.IsCancellationRequested => (499, "Client closed request", "", null),
            _ => (0, "", "", null),
        };
        if (status == 0)
        {
            return false;
        }

        // A flood's refusals are expected and would drown the log; the 503s themselves tell the clients.
        if (status >= 500 && exception is not ServerBusyException)
        {
            log.LogWarning("{Method} {Path} answered {Status}: {Detail}", context.Request.Method, context.Request.Path, status, detail);
        }

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = exception is ServerBusyException ? ServerBusyException.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) : "5";
        }

        context.Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (field is not null)
        {
            problem.Extensions["field"] = field;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }
}
