using System.Text;

namespace LogAggregator.Ingestion;

/// <summary>
/// One string for the same short ASCII text, per thread. An entry's agent, source and small metadata object repeat on
/// almost every line of a source; as a new string each (with the agent's upper-cased key, see AgentKeys) they were
/// three of the seven objects a posted entry allocated, each held with the entry until its commit and copied by the
/// collections on the way (issue 13: the GC was ~18% of the server's CPU during an ingest). A direct-mapped table per thread: no locks, a bounded size (<see cref="Slots"/> strings of
/// at most <see cref="MaxBytes"/> bytes), nothing copied on a miss, so text that never repeats (request ids) costs a
/// hash and a comparison more than before and no memory.
/// </summary>
internal static class InternedText
{
    /// <summary>Longer text is rarely repeated verbatim; it is always decoded afresh.</summary>
    public const int MaxBytes = 64;

    private const int Slots = 1024;

    [ThreadStatic]
    private static string?[]? t_slots;

    /// <summary><c>Encoding.UTF8.GetString(utf8)</c>, the same instance each time the same ASCII text comes again on this thread.</summary>
    public static string Of(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxBytes)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        ref var slot = ref SlotOf(utf8);
        if (slot is { } known && Ascii.Equals(utf8, known))
        {
            return known;
        }

        var text = Encoding.UTF8.GetString(utf8);
        Remember(ref slot, utf8, text);
        return text;
    }

    /// <summary>The string already decoded from these bytes on this thread, if any.</summary>
    public static bool TryGet(ReadOnlySpan<byte> utf8, out string text)
    {
        text = "";
        if (utf8.Length > MaxBytes || SlotOf(utf8) is not { } known || !Ascii.Equals(utf8, known))
        {
            return false;
        }

        text = known;
        return true;
    }

    /// <summary>Keeps <paramref name="text"/>, decoded from <paramref name="utf8"/> by the caller, for the next <see cref="TryGet"/>.</summary>
    public static void Remember(ReadOnlySpan<byte> utf8, string text)
    {
        if (utf8.Length <= MaxBytes)
        {
            Remember(ref SlotOf(utf8), utf8, text);
        }
    }

    // Only ASCII text is kept: Ascii.Equals then compares the bytes with the string as they are, with no decoding.
    private static void Remember(ref string? slot, ReadOnlySpan<byte> utf8, string text)
    {
        if (text.Length == utf8.Length && Ascii.IsValid(utf8))
        {
            slot = text;
        }
    }

    private static ref string? SlotOf(ReadOnlySpan<byte> utf8)
    {
        var slots = t_slots ??= new string?[Slots];

        // FNV-1a: short keys, and no per-process seed needed (a collision costs a miss, never a wrong answer).
        var hash = 2166136261u;
        foreach (var b in utf8)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return ref slots[(int)((hash ^ (hash >> 15)) & (Slots - 1))];
    }
}
