using LogAggregator.Storage;
using LogAggregator.Storage.DuckDb;

namespace LogAggregator.Tests.Storage.Contract;

/// <summary>The contract suite against the embedded store: real DuckDB day files in a fresh directory.</summary>
public sealed class DuckDbLogStoreContract : LogStoreContract
{
    protected override LogStoreUnderTest CreateStore() => new DuckDbUnderTest();

    private sealed class DuckDbUnderTest : ReopenableStoreUnderTest<DuckDbLogStore>
    {
        private readonly string _directory = Path.Combine(Path.GetTempPath(), "contract-" + Guid.NewGuid().ToString("N"));

        public override Task SettleAsync()
        {
            Current.RefreshIndex();
            return Task.CompletedTask;
        }

        public override async ValueTask DisposeAsync()
        {
            await Current.DisposeAsync();
            Directory.Delete(_directory, recursive: true);
        }

        protected override DuckDbLogStore Open() => new(new DuckDbLogStoreOptions(_directory, "256MB", 1), Clock);
    }
}
