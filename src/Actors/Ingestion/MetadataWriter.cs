using System.Buffers;
using System.Text;
using System.Text.Json;
using LogAggregator.Model;

namespace LogAggregator.Ingestion;

/// <summary>
/// Builds an entry's metadata text straight from the bytes the client sent: names and values are copied
/// raw (so escapes and number spellings survive) with insignificant whitespace removed.
/// </summary>
internal static class MetadataWriter
{
    private static readonly SearchValues<byte> StructuralOrSpace = SearchValues.Create("\" \t\r\n"u8);
    private static readonly SearchValues<byte> QuoteOrBackslash = SearchValues.Create("\"\\"u8);

    /// <summary>A member of the output object: its name is either a range of the input or a fixed annotation name.</summary>
    internal readonly record struct Member(int NameStart, int NameLength, int ValueStart, int ValueLength, Annotation Annotation)
    {
        public static Member Raw(int nameStart, int nameLength, int valueStart, int valueEnd) =>
            new(nameStart, nameLength, valueStart, valueEnd - valueStart, Annotation.None);

        public static Member Annotated(Annotation annotation, int valueStart, int valueEnd) =>
            new(0, 0, valueStart, valueEnd - valueStart, annotation);

        public ReadOnlySpan<byte> Name(ReadOnlySpan<byte> json) => Annotation switch
        {
            Annotation.None => json.Slice(NameStart, NameLength),
            Annotation.LevelRaw => "\"level_raw\""u8,
            Annotation.TimestampRaw => "\"timestamp_raw\""u8,
            Annotation.AgentRaw => "\"agent_raw\""u8,
            Annotation.SourceRaw => "\"source_raw\""u8,
            _ => "\"metadata_raw\""u8,
        };
    }

    /// <summary>What a tailed line carried that could not be used as the field it claimed to be.</summary>
    internal enum Annotation : byte
    {
        None,
        LevelRaw,
        TimestampRaw,
        AgentRaw,
        SourceRaw,
        MetadataRaw,
    }

    /// <summary>The common case: metadata is exactly the <c>metadata</c> member, copied when it is already compact.</summary>
    public static string FromObject(ReadOnlySpan<byte> rawObject)
    {
        if (rawObject.Length == 2)
        {
            return LogEntry.EmptyMetadata;
        }

        if (IsCompact(rawObject))
        {
            return InternedText.Of(rawObject);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(rawObject.Length);
        try
        {
            var length = AppendCompact(rawObject, buffer, 0);
            return length == 2 ? LogEntry.EmptyMetadata : Encoding.UTF8.GetString(buffer, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Annotations first, then the <c>metadata</c> object's members, then unknown top-level fields; a name
    /// already written wins, so the server's annotations cannot be overridden and an explicit metadata member
    /// beats a stray top-level field of the same name.
    /// </summary>
    public static string Merge(ReadOnlySpan<byte> json, ReadOnlySpan<Member> annotations, Range? metadataObject, ReadOnlySpan<Member> unknown)
    {
        var members = ArrayPool<Member>.Shared.Rent(annotations.Length + unknown.Length + 16);
        var count = 0;
        var bound = 2;
        try
        {
            foreach (var member in annotations)
            {
                Add(ref members, ref count, member);
            }

            if (metadataObject is { } range)
            {
                var (offset, length) = range.GetOffsetAndLength(json.Length);
                var reader = new Utf8JsonReader(json.Slice(offset, length));
                reader.Read();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var nameStart = offset + (int)reader.TokenStartIndex;
                    var nameLength = reader.ValueSpan.Length + 2;
                    reader.Read();
                    var valueStart = offset + (int)reader.TokenStartIndex;
                    reader.Skip();
                    Add(ref members, ref count, Member.Raw(nameStart, nameLength, valueStart, offset + (int)reader.BytesConsumed));
                }
            }

            foreach (var member in unknown)
            {
                Add(ref members, ref count, member);
            }

            for (var i = 0; i < count; i++)
            {
                bound += members[i].Name(json).Length + members[i].ValueLength + 2;
            }

            return Write(json, members.AsSpan(0, count), bound);
        }
        finally
        {
            ArrayPool<Member>.Shared.Return(members);
        }
    }

    private static string Write(ReadOnlySpan<byte> json, ReadOnlySpan<Member> members, int bound)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(bound);
        try
        {
            var length = 0;
            buffer[length++] = (byte)'{';
            for (var i = 0; i < members.Length; i++)
            {
                var name = members[i].Name(json);
                if (WrittenBefore(json, members[..i], name))
                {
                    continue;
                }

                if (length > 1)
                {
                    buffer[length++] = (byte)',';
                }

                name.CopyTo(buffer.AsSpan(length));
                length += name.Length;
                buffer[length++] = (byte)':';
                length = AppendCompact(json.Slice(members[i].ValueStart, members[i].ValueLength), buffer, length);
            }

            buffer[length++] = (byte)'}';
            return length == 2 ? LogEntry.EmptyMetadata : InternedText.Of(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // Quadratic, but objects with more than a few dozen members are not log metadata anyone sends.
    private static bool WrittenBefore(ReadOnlySpan<byte> json, ReadOnlySpan<Member> earlier, ReadOnlySpan<byte> name)
    {
        foreach (var member in earlier)
        {
            if (member.Name(json).SequenceEqual(name))
            {
                return true;
            }
        }

        return false;
    }

    private static void Add(ref Member[] members, ref int count, Member member)
    {
        if (count == members.Length)
        {
            var larger = ArrayPool<Member>.Shared.Rent(members.Length * 2);
            members.AsSpan(0, count).CopyTo(larger);
            ArrayPool<Member>.Shared.Return(members);
            members = larger;
        }

        members[count++] = member;
    }

    private static bool IsCompact(ReadOnlySpan<byte> json)
    {
        var i = 0;
        while (true)
        {
            var next = json[i..].IndexOfAny(StructuralOrSpace);
            if (next < 0)
            {
                return true;
            }

            i += next;
            if (json[i] != (byte)'"')
            {
                return false;
            }

            i = EndOfString(json, i);
        }
    }

    /// <summary>Copies valid JSON without whitespace outside strings; returns the new length.</summary>
    private static int AppendCompact(ReadOnlySpan<byte> json, byte[] buffer, int length)
    {
        var i = 0;
        while (i < json.Length)
        {
            var next = json[i..].IndexOfAny(StructuralOrSpace);
            var chunkEnd = next < 0 ? json.Length : i + next;
            if (next >= 0 && json[chunkEnd] == (byte)'"')
            {
                chunkEnd = EndOfString(json, chunkEnd);
            }

            json[i..chunkEnd].CopyTo(buffer.AsSpan(length));
            length += chunkEnd - i;
            i = chunkEnd;
            while (i < json.Length && json[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                i++;
            }
        }

        return length;
    }

    /// <summary>Index just past the closing quote of the string whose opening quote is at <paramref name="quote"/>.</summary>
    private static int EndOfString(ReadOnlySpan<byte> json, int quote)
    {
        var i = quote + 1;
        while (true)
        {
            i += json[i..].IndexOfAny(QuoteOrBackslash);
            if (json[i] == (byte)'"')
            {
                return i + 1;
            }

            i += 2;
        }
    }
}
