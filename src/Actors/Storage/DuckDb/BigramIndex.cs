using System.Globalization;
using System.Text;
using DuckDB.NET.Data;

namespace LogAggregator.Storage.DuckDb;

/// <summary>
/// Which blocks of a day file's rows (by seq) can hold a search's required text. Per block of
/// <see cref="BlockRows"/> rows it keeps the set of case-folded ASCII character pairs found in message and
/// metadata, exactly (a 16,384-bit map, 2 KB), so a rare token or a regex whose required runs hold an unseen
/// pair reads a few blocks instead of the whole file: DuckDB's zone maps on seq skip the rest. A block with any
/// non-ASCII character is never excluded, since case folding outside ASCII (K and the Kelvin sign, say) could
/// make a match the pairs do not show. Built by the reader from committed rows, so the writer is untouched;
/// rows past <see cref="Snapshot.IndexedThrough"/> are always read.
/// </summary>
internal sealed class BigramIndex
{
    public const int BlockRows = 8192;
    private const int Words = 128 * 128 / 64;

    /// <summary>Blocks one indexing statement reads in a file taking writes; see <see cref="Extend"/>.</summary>
    public const int WritingBlocksPerScan = 1;

    /// <summary>More separate runs of candidate blocks than this and one scan of the file is cheaper.</summary>
    private const int MaxRanges = 64;

    private volatile Snapshot _snapshot = new([], 0);

    public long IndexedThrough => _snapshot.IndexedThrough;

    /// <summary>
    /// Indexes every whole block committed since the last call, streamed, at most <paramref name="blocksPerScan"/>
    /// blocks per statement. One writer commits seqs in order, so every seq up to the largest this connection sees is committed
    /// (the writer's own next seq runs ahead of its commit and may roll back).
    /// <para>
    /// A scan holds a transaction open, and DuckDB does not checkpoint while another transaction runs: one scan of all
    /// that a flood committed since the last pass (a materialised result of whole messages, at that) held back the
    /// writer's checkpoints and doubled the peak memory of a flood of 1 KB messages (docs/BENCHMARKS.md "Floods").
    /// Short streamed scans (<see cref="WritingBlocksPerScan"/>) let the writer checkpoint between them; a file
    /// nobody writes is read in one scan, which indexed a stored 2M entries in 0.6–0.8 s against 0.7–1.7 block by block.
    /// </para>
    /// </summary>
    public void Extend(DuckDBConnection connection, CancellationToken cancellationToken, int blocksPerScan = int.MaxValue)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce(max(seq), 0) FROM logs";
        var blocks = (int)(LogRows.Count(command, cancellationToken) / BlockRows);
        command.UseStreamingMode = true;
        var first = _snapshot.Blocks.Length;
        while (first < blocks && !cancellationToken.IsCancellationRequested)
        {
            var count = Math.Min(blocksPerScan, blocks - first);
            var maps = new ulong[count][];
            var plain = new bool[count];
            for (var i = 0; i < count; i++)
            {
                maps[i] = new ulong[Words];
                plain[i] = true;
            }

            var from = (long)first * BlockRows;
            var through = (long)(first + count) * BlockRows;
            command.CommandText = $"SELECT seq, message, metadata FROM logs WHERE seq > {from} AND seq <= {through}";
            using (cancellationToken.Register(command.Cancel))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    var block = (int)((reader.GetInt64(0) - 1) / BlockRows) - first;
                    if (plain[block])
                    {
                        plain[block] = Add(maps[block], reader.GetString(1)) && Add(maps[block], reader.GetString(2));
                    }
                }
            }

            var current = _snapshot;
            var all = new ulong[]?[first + count];
            Array.Copy(current.Blocks, all, first);
            for (var i = 0; i < count; i++)
            {
                all[first + i] = plain[i] ? maps[i] : null;
            }

            _snapshot = new Snapshot(all, through);
            first += count;
        }
    }

    /// <summary>
    /// A seq condition (numbers only, no user text) keeping the blocks that hold every pair of every run, plus
    /// what is not indexed yet; "" when the index cannot narrow the search. <paramref name="kept"/> is the share of
    /// the indexed blocks that may hold a match (1 when the index cannot tell).
    /// </summary>
    public string Filter(IReadOnlyList<string> requiredRuns, out double kept)
    {
        kept = 1;
        var snapshot = _snapshot;
        var pairs = Pairs(requiredRuns);
        if (pairs.Count == 0 || snapshot.Blocks.Length == 0)
        {
            return "";
        }

        var ranges = new List<(long From, long Through)>();
        var keptBlocks = 0;
        for (var b = 0; b < snapshot.Blocks.Length; b++)
        {
            if (snapshot.Blocks[b] is { } map && !pairs.TrueForAll(p => (map[p >> 6] & (1UL << (p & 63))) != 0))
            {
                continue;
            }

            keptBlocks++;

            var (from, through) = ((long)b * BlockRows + 1, (long)(b + 1) * BlockRows);
            if (ranges.Count > 0 && ranges[^1].Through + 1 == from)
            {
                ranges[^1] = (ranges[^1].From, through);
            }
            else
            {
                ranges.Add((from, through));
            }
        }

        kept = (double)keptBlocks / snapshot.Blocks.Length;
        if (ranges.Count > MaxRanges)
        {
            return "";
        }

        var sql = new StringBuilder("(seq > ").Append(snapshot.IndexedThrough.ToString(CultureInfo.InvariantCulture));
        foreach (var (from, through) in ranges)
        {
            sql.Append(CultureInfo.InvariantCulture, $" OR seq BETWEEN {from} AND {through}");
        }

        return sql.Append(')').ToString();
    }

    /// <summary>False once the text holds a non-ASCII character: the block must then always be read.</summary>
    private static bool Add(ulong[] map, string text)
    {
        var previous = -1;
        foreach (var c in text)
        {
            if (c >= 128)
            {
                return false;
            }

            var folded = c is >= 'A' and <= 'Z' ? c + 32 : c;
            if (previous >= 0)
            {
                var pair = (previous << 7) | folded;
                map[pair >> 6] |= 1UL << (pair & 63);
            }

            previous = folded;
        }

        return true;
    }

    private static List<int> Pairs(IReadOnlyList<string> runs)
    {
        var pairs = new List<int>();
        foreach (var run in runs)
        {
            for (var i = 1; i < run.Length; i++)
            {
                int a = run[i - 1], b = run[i];
                if (a >= 128 || b >= 128)
                {
                    continue;
                }

                a = a is >= 'A' and <= 'Z' ? a + 32 : a;
                b = b is >= 'A' and <= 'Z' ? b + 32 : b;
                pairs.Add((a << 7) | b);
            }
        }

        return pairs;
    }

    /// <summary>Published whole, so a search never sees a block half built.</summary>
    private sealed record Snapshot(ulong[]?[] Blocks, long IndexedThrough);
}
