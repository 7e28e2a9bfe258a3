using LogAggregator.Storage.DuckDb;

namespace LogAggregator.Tests.Storage;

public sealed class MemorySharesTests
{
    private const long Gib = 1L << 30;

    [Theory]
    [InlineData(0, true, Gib, 0L)]
    [InlineData(6, true, Gib / 2, Gib / 2 / 6)]
    [InlineData(7, false, 0L, Gib / 7)]
    public void The_limit_bounds_all_day_files_together(int pastFiles, bool writing, long expectedWriting, long expectedPast)
    {
        var (writingShare, pastShare) = MemoryShares.Split(Gib, pastFiles, writing);

        Assert.Equal(expectedPast, pastShare);
        if (writing)
        {
            Assert.Equal(expectedWriting, writingShare);
            Assert.True(writingShare + pastShare * pastFiles <= Gib);
        }
        else
        {
            Assert.True(pastShare * pastFiles <= Gib);
        }
    }

    [Theory]
    [InlineData(1_000_000_000L, 256_000_000L, 250_000_000L)]
    [InlineData(256_000_000L, 256_000_000L, 64_000_000L)]
    [InlineData(4_000_000_000L, 256_000_000L, 256_000_000L)]
    [InlineData(1L << 20, 256_000_000L, 1L << 20)]
    public void A_file_checkpoints_before_its_rows_fill_a_quarter_of_its_share(long share, long configured, long expected)
    {
        Assert.Equal(expected, MemoryShares.CheckpointThreshold(share, configured));
    }

    [Fact]
    public void No_file_gets_less_than_the_floor()
    {
        Assert.Equal(MemoryShares.Floor, MemoryShares.Split(64L << 20, 100, writing: true).Past);
    }

    [Theory]
    [InlineData("1GB", 1_000_000_000L)]
    [InlineData("512MB", 512_000_000L)]
    [InlineData("2GiB", 2L << 30)]
    [InlineData("1.5 GB", 1_500_000_000L)]
    [InlineData("256mb", 256_000_000L)]
    public void Sizes_read_as_duckdb_reads_them(string size, long bytes) => Assert.Equal(bytes, MemoryShares.Parse(size));
}
