using Akka.Serialization;
using LogAggregator.Ingestion;
using LogAggregator.Model;
using LogAggregator.Querying;
using LogAggregator.Serialization;
using LogAggregator.Storage;

namespace LogAggregator.Tests.Serialization;

public sealed class LogAggregatorSerializerSpecs : ActorSpec
{
    public static TheoryData<object> Messages() => new()
    {
        new FileTailerProtocol.CheckpointAdvanced("803:1a2b", 2, 123_456),
        new FileTailerProtocol.TailerCheckpoint("803:1a2b", 1, 42),
        new AgentStoreProtocol.StoreEntriesResult("HERMES", 9, 2, null),
        new AgentStoreProtocol.StoreEntriesResult("HERMES", 9, 0, "disk full"),
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Persisted_and_remoted_messages_round_trip_through_the_bound_serializer(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);

        Assert.IsType<LogAggregatorSerializer>(serializer);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        var copy = Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, manifest);
        Assert.Equal(message, copy);
    }

    [Fact]
    public void Store_entries_round_trip_with_their_entries_and_mark()
    {
        var entry = new LogEntry(new DateTime(2024, 1, 15, 10, 30, 0, DateTimeKind.Utc), Level.Critical, "Atlas", "down",
            "/tmp/atlas.log", """{"k":[1,2]}""");
        var message = new AgentStoreProtocol.StoreEntries("ATLAS", [entry], new SourceMark("n|/tmp/atlas.log", "ATLAS", "1:2#0", 99), 5);
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(message);

        var copy = (AgentStoreProtocol.StoreEntries)serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));

        Assert.Equal(message.AgentKey, copy.AgentKey);
        Assert.Equal(message.Mark, copy.Mark);
        Assert.Equal(message.BatchId, copy.BatchId);
        Assert.Equal(entry, Assert.Single(copy.Entries));
        Assert.Equal(DateTimeKind.Utc, copy.Entries[0].Timestamp.Kind);
    }

    [Fact]
    public void Entries_stored_round_trip_with_their_ids_and_entries()
    {
        var entry = new LogEntry(new DateTime(2024, 1, 15, 10, 30, 0, DateTimeKind.Utc), Level.Error, "Hermes", "sent",
            "api", """{"order":42}""");
        var message = new LiveTailProtocol.EntriesStored([new StoredEntry("20240115-7", entry), new StoredEntry("20240115-8", entry)]);
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(message);

        var copy = (LiveTailProtocol.EntriesStored)serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));

        Assert.IsType<LogAggregatorSerializer>(serializer);
        Assert.Equal("entries-stored", serializer.Manifest(message));
        Assert.Equal(message.Entries, copy.Entries);
        Assert.Equal(DateTimeKind.Utc, copy.Entries[0].Entry.Timestamp.Kind);
    }
}
