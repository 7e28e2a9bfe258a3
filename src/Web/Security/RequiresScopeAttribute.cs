using Microsoft.AspNetCore.Authorization;

namespace LogAggregator.Web.Security;

/// <summary>Who may call an endpoint when keys are on. Every endpoint declares one (a test enumerates them).</summary>
public enum EndpointAccess
{
    /// <summary>Writes entries.</summary>
    Ingest,
    /// <summary>Reads entries, stats, alerts.</summary>
    Read,
    /// <summary>Changes state other than entries (silences).</summary>
    Admin,
    /// <summary>Health, metrics, the OpenAPI document: open unless <c>security.open-health-and-metrics = off</c>, then read.</summary>
    Operations,
}

/// <summary>Declares the scope an endpoint needs; an authorization policy of the same name checks it.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class RequiresScopeAttribute(EndpointAccess access) : AuthorizeAttribute(PolicyName(access))
{
    public EndpointAccess Access { get; } = access;

    public static string PolicyName(EndpointAccess access) => "scope:" + access.ToString().ToLowerInvariant();
}
