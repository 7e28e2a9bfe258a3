namespace LogAggregator.Tests;

/// <summary>A clock the spec moves by hand, to cross midnight or skip a week.</summary>
public sealed class MutableClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
