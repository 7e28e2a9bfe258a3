using System.Globalization;
using LogAggregator.Model;
using LogAggregator.Storage;

namespace LogAggregator.Web.Controllers;

/// <summary>Reads the query parameters the old service accepted, refusing what it cannot read.</summary>
public static class QueryParameters
{
    public static LogFilter Filter(string? agent, string? level, string? startTime, string? endTime)
    {
        var from = Time("start_time", startTime);
        var to = Time("end_time", endTime);
        var (single, several) = LevelList(level);
        return new LogFilter(
            AgentKey: string.IsNullOrWhiteSpace(agent) ? null : AgentKeys.Of(agent.Trim()),
            Level: single,
            From: from,
            To: to,
            Levels: several);
    }

    /// <summary>
    /// One level, or several separated by commas (<c>ERROR,CRITICAL</c>: entries of any of them), as the single level
    /// the old contract knew or the set the UI's level toggles send.
    /// </summary>
    public static (Level? Single, IReadOnlyCollection<Level>? Several) LevelList(string? level)
    {
        if (string.IsNullOrWhiteSpace(level))
        {
            return (null, null);
        }

        var parsed = level.Split(',').Select(Level).Distinct().ToList();
        return parsed.Count == 1 ? (parsed[0], null) : (null, parsed);
    }

    private static Level Level(string level) =>
        Levels.TryParse(level, out var parsed)
            ? parsed
            : throw new BadRequestException("level", $"unknown level '{level}'; use one of DEBUG, INFO, WARNING, ERROR, CRITICAL, FATAL, or several separated by commas");

    public static Paging Paging(string? limit, string? offset) =>
        new(Math.Min(Number("limit", limit, Storage.Paging.DefaultLimit), Storage.Paging.MaxLimit), Number("offset", offset, 0));

    public static DateTime? Time(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return DateTime.TryParse(value.Trim(), CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed
            : throw new BadRequestException(field, $"'{value}' is not an ISO-8601 time");
    }

    internal static int Number(string field, string? value, int fallback)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
        {
            throw new BadRequestException(field, $"'{value}' is not a whole number");
        }

        return n >= 0 ? n : throw new BadRequestException(field, $"{field} must not be negative, got {n}");
    }
}
