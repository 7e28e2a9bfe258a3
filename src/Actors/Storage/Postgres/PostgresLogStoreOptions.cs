namespace LogAggregator.Storage.Postgres;

/// <param name="ConnectionString">Npgsql syntax: <c>Host=…;Port=…;Database=…;Username=…;Password=…</c>.</param>
/// <param name="SearchTimeout">
/// The longest one search statement may run: PostgreSQL's regex engine is not linear-time in every case, so a pattern
/// that turns out costly is cancelled by the server rather than holding a connection.
/// </param>
public sealed record PostgresLogStoreOptions(string ConnectionString, TimeSpan SearchTimeout)
{
    public static readonly TimeSpan DefaultSearchTimeout = TimeSpan.FromSeconds(30);

    public PostgresLogStoreOptions(string connectionString)
        : this(connectionString, DefaultSearchTimeout)
    {
    }
}
