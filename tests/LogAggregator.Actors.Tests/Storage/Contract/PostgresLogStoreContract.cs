using LogAggregator.Storage;
using LogAggregator.Storage.Postgres;
using LogAggregator.Testing;

namespace LogAggregator.Tests.Storage.Contract;

/// <summary>
/// The contract suite against the PostgreSQL store: a real server (<see cref="PostgresCluster"/>, started once for
/// the test process), a fresh database per test, dropped afterwards.
/// </summary>
public sealed class PostgresLogStoreContract : LogStoreContract
{
    protected override LogStoreUnderTest CreateStore() => new PostgresUnderTest();

    private sealed class PostgresUnderTest : ReopenableStoreUnderTest<PostgresLogStore>
    {
        private readonly string _connectionString = PostgresCluster.Instance.CreateDatabaseAsync().GetAwaiter().GetResult();

        /// <summary>Nothing is built in the background: the indexes are maintained by the commit itself.</summary>
        public override Task SettleAsync() => Task.CompletedTask;

        public override async ValueTask DisposeAsync()
        {
            await Current.DisposeAsync();
            await PostgresCluster.Instance.DropDatabaseAsync(_connectionString);
        }

        protected override PostgresLogStore Open() => new(new PostgresLogStoreOptions(_connectionString), Clock);
    }
}
