namespace LogAggregator.Storage.DuckDb;

/// <summary>
/// What the last write of the store did: set by the writers when a commit fails or succeeds, read by
/// <see cref="DuckDbLogStore.CheckHealthAsync"/>. A disk that fills up fails every commit until space returns.
/// </summary>
internal sealed class WriteHealth
{
    private volatile StoreHealth _current = StoreHealth.Writable;

    public StoreHealth Current => _current;

    public void Failed(Exception e) => _current = new StoreHealth(false, "writes fail: " + e.Message.ReplaceLineEndings(" "));

    public void Succeeded() => _current = StoreHealth.Writable;
}
