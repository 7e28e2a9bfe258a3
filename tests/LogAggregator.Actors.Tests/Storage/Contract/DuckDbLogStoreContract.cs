using LogAggregator.Storage;
using LogAggregator.Storage.DuckDb;

namespace LogAggregator.Tests.Storage.Contract;

/// <summary>The contract suite against the embedded store: real DuckDB day files in a fresh directory.</summary>
public sealed class DuckDbLogStoreContract : LogStoreContract
{
    protected override LogStoreUnderTest CreateStore() => new DuckDbUnderTest();

    private sealed class DuckDbUnderTest : LogStoreUnderTest
    {
        private readonly string _directory = Path.Combine(Path.GetTempPath(), "contract-" + Guid.NewGuid().ToString("N"));
        private DuckDbLogStore _store;

        public DuckDbUnderTest()
        {
            _store = Open();
        }

        public override ILogStore Store => _store;

        public override async Task ReopenAsync()
        {
            await _store.DisposeAsync();
            _store = Open();
        }

        public override Task SettleAsync()
        {
            _store.RefreshIndex();
            return Task.CompletedTask;
        }

        public override async ValueTask DisposeAsync()
        {
            await _store.DisposeAsync();
            Directory.Delete(_directory, recursive: true);
        }

        private DuckDbLogStore Open() => new(new DuckDbLogStoreOptions(_directory, "256MB", 1), Clock);
    }
}
