using System.Globalization;
using DuckDB.NET.Data;
using LogAggregator.Model;

namespace LogAggregator.Storage.DuckDb;

/// <summary>
/// A day file's rows in arrival order (seq), cut into blocks of about <see cref="BlockRows"/> rows, each knowing per
/// (agent as sent, level) how many rows it holds and their oldest and newest timestamps. A page then reads only the
/// blocks that can hold it (runs of <c>seq</c>, which DuckDB prunes exactly, seq growing with the row order),
/// instead of a time window whose zone maps prune little when batches of several clients arrive interleaved.
/// Kept in memory beside <see cref="DayCounters"/>: built from the file when it opens and extended by the writer after
/// each commit, before any caller is answered, so a block summary covers every row below the newest block.
/// Counts under time bounds are answered from the same summaries (<see cref="Count"/>): only the blocks a bound cuts
/// through are read.
/// </summary>
internal sealed class ArrivalBlocks
{
    /// <summary>Rows per block: the window starts at a block, so this is how many rows a page may read in vain.</summary>
    public const int BlockRows = 8192;

    private readonly object _gate = new();
    private readonly List<Key> _keys = [];
    private readonly Dictionary<(string Agent, Level Level), int> _ids = new();

    /// <summary>Blocks in arrival order, disjoint; the last one is still filled by the writer.</summary>
    private readonly List<Block> _blocks = [];

    /// <summary>
    /// Rebuilds the blocks from what the file holds (at open, and after a reopen) and returns the highest seq in it (0
    /// when empty). The one scan also fills <paramref name="counters"/> when given (at open: what a block holds of an
    /// agent and level adds up to the day's counts and time range). The writer is not running.
    /// </summary>
    public long Load(DuckDBConnection connection, DayCounters? counters = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = string.Create(
            CultureInfo.InvariantCulture,
            $"SELECT (seq - 1) // {BlockRows} AS b, agent, level, count(*), min(ts), max(ts), min(seq), max(seq) FROM logs GROUP BY ALL ORDER BY b");
        lock (_gate)
        {
            _blocks.Clear();
            using var reader = command.ExecuteReader();
            Block? block = null;
            var number = -1L;
            while (reader.Read())
            {
                if (reader.GetInt64(0) != number || block is null)
                {
                    number = reader.GetInt64(0);
                    block = new Block(reader.GetInt64(6));
                    _blocks.Add(block);
                }

                var (agent, level, count) = (reader.GetString(1), (Level)reader.GetByte(2), reader.GetInt64(3));
                var (oldest, newest) = (LogRows.Utc(reader.GetDateTime(4)), LogRows.Utc(reader.GetDateTime(5)));
                block.First = Math.Min(block.First, reader.GetInt64(6));
                block.End = Math.Max(block.End, reader.GetInt64(7) + 1);
                block.Add(Id(agent, level), count, oldest, newest);
                counters?.Add(agent, level, count, oldest, newest);
            }

            // The writer's next rows start a block of their own.
            if (block is not null)
            {
                block.Sealed = true;
            }

            return block is null ? 0 : block.End - 1;
        }
    }

    /// <summary>A committed append: rows <paramref name="first"/> onwards, as many as the tally counts.</summary>
    public void Add(long first, DayCounters.Tally tally)
    {
        var rows = 0L;
        foreach (var n in tally.Counts.Values)
        {
            rows += n;
        }

        if (rows == 0)
        {
            return;
        }

        lock (_gate)
        {
            var block = _blocks.Count > 0 && !_blocks[^1].Sealed ? _blocks[^1] : null;
            if (block is null)
            {
                block = new Block(first);
                _blocks.Add(block);
            }

            block.End = first + rows;
            foreach (var ((agent, level), n) in tally.Counts)
            {
                var (oldest, newest) = tally.Times[(agent, level)];
                block.Add(Id(agent, level), n, oldest, newest);
            }

            block.Rows += rows;
            block.Sealed = block.Rows >= BlockRows;
        }
    }

    /// <summary>Most runs of blocks a page reads apart, each a branch of one query.</summary>
    public const int MaxPageRuns = 16;

    /// <summary>
    /// What reading the rows between two runs may cost, in rows scanned, before a branch of its own is cheaper: a
    /// branch costs DuckDB about what scanning half a million rows that match nothing does. On the peer benchmark's
    /// million rows an agent and level's newest 100 took 2.9 ms from two runs (1.0 of it the second branch's fixed
    /// cost), 1.9 from one run over the 110,000 rows between them, 1.9–2.3 from the whole file.
    /// </summary>
    public const long BranchCost = 4 * 122_880;

    /// <summary>
    /// A matching row between two runs costs this many rows that match nothing: it is fetched whole and sorted (the
    /// unfiltered newest 100 of that million took 21 ms from the whole file, where an agent and level's took 2.3).
    /// </summary>
    public const long MatchCost = 16;

    /// <summary>
    /// The runs of seq a page of the filter's newest <paramref name="needed"/> rows is read from, or null when they
    /// would be the whole file (nothing to leave out). The blocks prove a time L such that at least that many matching
    /// rows are at least as new as L (each block's rows of a key are no older than that key's oldest there, and only
    /// blocks wholly inside the filter's time bounds count), so the page's last row is at least as new as L; only the
    /// blocks holding a matching row at least as new as L can hold a row of the page. Those blocks, as runs
    /// (<see cref="Runs"/>: adjacent ones merged, and so are two runs whose rows between are cheaper to read than a
    /// branch of their own). Rows committed after this snapshot may be left out (they were not acknowledged when the
    /// page was asked for), or read when the last run is the newest block. A few entries stamped long after the rest
    /// (a clock ahead, a live line among a backlog) keep their blocks in the window without dragging in every block
    /// after them; past <see cref="MaxPageRuns"/> runs the window is one run, from the oldest chosen block on.
    /// <see cref="Widen"/> still checks.
    /// </summary>
    public List<(long First, long End)>? Window(LogFilter filter, int needed)
    {
        if (needed <= 0)
        {
            return null;
        }

        var from = filter.From is { } f ? LogRows.ToUtc(f) : (DateTime?)null;
        var to = filter.To is { } t ? LogRows.ToUtc(t) : (DateTime?)null;
        lock (_gate)
        {
            var matches = Matches(filter);
            var sure = new List<(DateTime Oldest, long Count)>(_blocks.Count);
            foreach (var block in _blocks)
            {
                if (block.Sure(matches, from, to) is { Count: > 0 } found)
                {
                    sure.Add(found);
                }
            }

            sure.Sort((a, b) => b.Oldest.CompareTo(a.Oldest));
            long count = 0;
            DateTime? bound = null;
            foreach (var (oldest, n) in sure)
            {
                count += n;
                if (count >= needed)
                {
                    bound = oldest;
                    break;
                }
            }

            if (bound is not { } low)
            {
                return null;
            }

            var runs = new Runs(matches);
            foreach (var block in _blocks)
            {
                runs.Add(block, block.Newest(matches) >= low);
            }

            return runs.Count == 0 || runs.Whole(_blocks) ? null : Capped(runs.List);
        }
    }

    /// <summary>
    /// Whether a time window from <paramref name="time"/> may hold <paramref name="needed"/> rows of the filter: false
    /// when the rows of every block's matching keys whose newest row is at least as new (more than the window can
    /// hold) are fewer. Newest blocks first, which hold the newest rows as a rule: the walk mostly ends there.
    /// </summary>
    public bool MayHold(LogFilter filter, DateTime time, int needed)
    {
        lock (_gate)
        {
            var matches = Matches(filter);
            long rows = 0;
            for (var i = _blocks.Count - 1; i >= 0 && rows < needed; i--)
            {
                rows += _blocks[i].CountNewest(matches, time);
            }

            return rows >= needed;
        }
    }

    /// <summary>Rows the runs of a <see cref="Window"/> span, up to the newest block.</summary>
    public long Rows(List<(long First, long End)> runs)
    {
        long newest;
        lock (_gate)
        {
            newest = _blocks.Count == 0 ? 0 : _blocks[^1].End;
        }

        long rows = 0;
        foreach (var (first, end) in runs)
        {
            rows += Math.Max(0, Math.Min(end, newest) - first);
        }

        return rows;
    }

    /// <summary>
    /// Null when every block left out of <paramref name="runs"/> holds only rows of the filter's agent and levels older
    /// than <paramref name="newest"/> (so none of them sorts before a page read from the runs ending at that time, not
    /// even on a tie, where the later arrival comes first). Otherwise the runs with every block left out holding one at
    /// least as new added: a page read from those is exact, as its last row can only get newer.
    /// </summary>
    public List<(long First, long End)>? Widen(LogFilter filter, List<(long First, long End)> runs, DateTime newest)
    {
        lock (_gate)
        {
            var matches = Matches(filter);
            var wider = new Runs(matches);
            var added = false;
            var run = 0;
            foreach (var block in _blocks)
            {
                while (run < runs.Count && runs[run].End <= block.First)
                {
                    run++;
                }

                var inside = run < runs.Count && runs[run].First <= block.First;
                var taken = inside || block.Newest(matches) >= newest;
                added |= taken && !inside;
                wider.Add(block, taken);
            }

            return added ? Capped(wider.List) : null;
        }
    }

    /// <summary>
    /// The runs, or one from the first to the last when they are more than <see cref="MaxPageRuns"/>; a last run that
    /// ends with the newest block is left open above (an upper bound DuckDB would test on every row, for nothing).
    /// </summary>
    private List<(long First, long End)> Capped(List<(long First, long End)> runs)
    {
        if (runs.Count > MaxPageRuns)
        {
            runs = [(runs[0].First, runs[^1].End)];
        }

        if (runs[^1].End == _blocks[^1].End)
        {
            runs[^1] = (runs[^1].First, long.MaxValue);
        }

        return runs;
    }

    /// <summary>Most seq ranges a count reads apart (each is a statement of its own in one query).</summary>
    public const int MaxCountRanges = 16;

    /// <summary>
    /// Counts what the blocks can count exactly of the filter into <paramref name="counts"/> and returns the seq ranges
    /// whose rows are left for DuckDB to count: the blocks where a matching (agent, level)'s times straddle a time
    /// bound, and, last, everything from the newest block's end on (rows committed after this snapshot). A block whose
    /// matching keys lie wholly inside the bounds adds their counts, one whose keys lie wholly outside adds nothing.
    /// Null, with nothing counted, when the ranges to read would hold more than half the file's rows or be too many to
    /// prune one by one: a whole scan is then as cheap.
    /// </summary>
    public IReadOnlyList<(long First, long End)>? Count(LogFilter filter, Dictionary<(string Agent, Level Level), long> counts)
    {
        var from = filter.From is { } f ? LogRows.ToUtc(f) : (DateTime?)null;
        var to = filter.To is { } t ? LogRows.ToUtc(t) : (DateTime?)null;
        var found = new Dictionary<int, long>();
        var ranges = new List<(long First, long End)>();
        long left = 0;
        long rows;
        lock (_gate)
        {
            if (_blocks.Count == 0)
            {
                return null;
            }

            var matches = Matches(filter);
            foreach (var block in _blocks)
            {
                if (block.CountInto(found, matches, from, to))
                {
                    continue;
                }

                left += block.End - block.First;
                SeqRanges.Add(ranges, block.First, block.End);
            }

            rows = _blocks[^1].End - _blocks[0].First;
            ranges.Add((_blocks[^1].End, long.MaxValue));
            if (left * 2 > rows || ranges.Count > MaxCountRanges)
            {
                return null;
            }

            foreach (var (id, n) in found)
            {
                var key = (_keys[id].Agent, _keys[id].Level);
                counts[key] = counts.GetValueOrDefault(key) + n;
            }
        }

        return ranges;
    }

    /// <summary>
    /// The blocks holding a row of the filter's agent and levels (whatever its time), newest such row first, and the
    /// first seq past the newest block (rows committed after this snapshot, in no block yet). Every row of the filter
    /// in a block is at most as new as the block's <c>Newest</c>: what a search reads newest blocks first relies on.
    /// </summary>
    public (List<(long First, long End, DateTime Newest)> Blocks, long Unblocked) ByNewest(LogFilter filter)
    {
        lock (_gate)
        {
            var matches = Matches(filter);
            var blocks = new List<(long First, long End, DateTime Newest)>(_blocks.Count);
            foreach (var block in _blocks)
            {
                if (block.Newest(matches) is var newest && newest > DateTime.MinValue)
                {
                    blocks.Add((block.First, block.End, newest));
                }
            }

            blocks.Sort((a, b) => b.Newest != a.Newest ? b.Newest.CompareTo(a.Newest) : b.First.CompareTo(a.First));
            return (blocks, _blocks.Count == 0 ? 1 : _blocks[^1].End);
        }
    }

    private bool[] Matches(LogFilter filter)
    {
        var matches = new bool[_keys.Count];
        for (var i = 0; i < matches.Length; i++)
        {
            var key = _keys[i];
            matches[i] = filter.MatchesLevel(key.Level) && (filter.AgentKey is null || key.AgentKey == filter.AgentKey);
        }

        return matches;
    }

    private int Id(string agent, Level level)
    {
        if (!_ids.TryGetValue((agent, level), out var id))
        {
            id = _keys.Count;
            _keys.Add(new Key(agent, AgentKeys.Of(agent), level));
            _ids[(agent, level)] = id;
        }

        return id;
    }

    private readonly record struct Key(string Agent, string AgentKey, Level Level);

    /// <summary>
    /// Runs of seq over the blocks taken, in arrival order: a block taken joins the last run when reading the blocks
    /// left out between them (their rows, and their matching rows at <see cref="MatchCost"/> each) costs less than
    /// <see cref="BranchCost"/>, and starts a run of its own otherwise.
    /// </summary>
    private sealed class Runs(bool[] matches)
    {
        private long _skippedMatches;

        public List<(long First, long End)> List { get; } = [];

        public int Count => List.Count;

        public void Add(Block block, bool taken)
        {
            if (!taken)
            {
                _skippedMatches += block.Count(matches);
                return;
            }

            var gap = List.Count == 0 ? 0 : block.First - List[^1].End;
            if (List.Count > 0 && gap + MatchCost * _skippedMatches < BranchCost)
            {
                List[^1] = (List[^1].First, block.End);
            }
            else
            {
                List.Add((block.First, block.End));
            }

            _skippedMatches = 0;
        }

        /// <summary>One run from the first block to the last: nothing left out.</summary>
        public bool Whole(List<Block> blocks) => List.Count == 1 && List[0].First == blocks[0].First && List[0].End == blocks[^1].End;
    }

    private sealed class Block(long first)
    {
        /// <summary>Where each key's slot is; the slots themselves sit in one array, walked by every page.</summary>
        private readonly Dictionary<int, int> _index = new();
        private Slot[] _slots = new Slot[8];
        private int _count;

        private ReadOnlySpan<Slot> Slots => _slots.AsSpan(0, _count);

        public long First { get; set; } = first;

        /// <summary>One past the last seq written into the block.</summary>
        public long End { get; set; } = first;

        public long Rows { get; set; }

        /// <summary>Full: later appends start a new block.</summary>
        public bool Sealed { get; set; }

        public void Add(int key, long count, DateTime oldest, DateTime newest)
        {
            if (_index.TryGetValue(key, out var at))
            {
                ref var slot = ref _slots[at];
                slot = new Slot(key, slot.Count + count, oldest < slot.Oldest ? oldest : slot.Oldest, newest > slot.Newest ? newest : slot.Newest);
                return;
            }

            if (_count == _slots.Length)
            {
                Array.Resize(ref _slots, _count * 2);
            }

            _index[key] = _count;
            _slots[_count++] = new Slot(key, count, oldest, newest);
        }

        /// <summary>Matching rows certain to be inside the time bounds, and the oldest of them.</summary>
        public (DateTime Oldest, long Count) Sure(bool[] matches, DateTime? from, DateTime? to)
        {
            long count = 0;
            var oldest = DateTime.MaxValue;
            foreach (var (key, n, first, last) in Slots)
            {
                if (key < matches.Length && matches[key] && (from is null || first >= from) && (to is null || last < to))
                {
                    count += n;
                    oldest = first < oldest ? first : oldest;
                }
            }

            return (oldest, count);
        }

        /// <summary>
        /// Adds the block's matching rows inside the bounds to <paramref name="counts"/> (by key) and returns true, or
        /// returns false, adding nothing, when a matching key's rows straddle a bound (only reading them tells).
        /// </summary>
        public bool CountInto(Dictionary<int, long> counts, bool[] matches, DateTime? from, DateTime? to)
        {
            foreach (var (key, _, oldest, newest) in Slots)
            {
                if (key < matches.Length && matches[key] && !Inside(oldest, newest, from, to) && !Outside(oldest, newest, from, to))
                {
                    return false;
                }
            }

            foreach (var (key, n, oldest, newest) in Slots)
            {
                if (key < matches.Length && matches[key] && Inside(oldest, newest, from, to))
                {
                    counts[key] = counts.GetValueOrDefault(key) + n;
                }
            }

            return true;
        }

        private static bool Inside(DateTime oldest, DateTime newest, DateTime? from, DateTime? to) =>
            (from is null || oldest >= from) && (to is null || newest < to);

        private static bool Outside(DateTime oldest, DateTime newest, DateTime? from, DateTime? to) =>
            from is { } low && newest < low || to is { } high && oldest >= high;

        /// <summary>Rows of the matching keys whose newest row is at least as new as <paramref name="time"/>.</summary>
        public long CountNewest(bool[] matches, DateTime time)
        {
            long count = 0;
            foreach (var (key, n, _, newest) in Slots)
            {
                if (key < matches.Length && matches[key] && newest >= time)
                {
                    count += n;
                }
            }

            return count;
        }

        /// <summary>Rows of the matching keys.</summary>
        public long Count(bool[] matches) => CountNewest(matches, DateTime.MinValue);

        public DateTime Newest(bool[] matches)
        {
            var newest = DateTime.MinValue;
            foreach (var (key, _, _, time) in Slots)
            {
                if (key < matches.Length && matches[key] && time > newest)
                {
                    newest = time;
                }
            }

            return newest;
        }

        private readonly record struct Slot(int Key, long Count, DateTime Oldest, DateTime Newest);
    }
}
