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
        new FileTailerProtocol.TailedFileStarted("803:1a2b", 0x5eed, "/var/log/atlas.log", new Fingerprint(1024, "0123456789abcdef0123456789abcdef")),
        new FileTailerProtocol.TailedFileAdvanced(123_456, new Fingerprint(17, "00ff")),
        new FileTailerProtocol.TailedFileCheckpoint("803:1a2b", 7, "/var/log/atlas.log", Fingerprint.Empty, 42),
        new FileTailerProtocol.TailedFileCheckpoint(null, 0, null, Fingerprint.Empty, 0),
        new SourceDiscoveryProtocol.FileFound("803:1a2b", "/var/log/atlas.1.log"),
        new SourceDiscoveryProtocol.FileForgotten("803:1a2b"),
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
    public void Known_files_round_trip_with_every_file()
    {
        var message = new SourceDiscoveryProtocol.KnownFiles(
            [new SourceDiscoveryProtocol.FileFound("803:1", "/var/log/a.log"), new SourceDiscoveryProtocol.FileFound("803:2", "/var/log/b.log")]);
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(message);

        var copy = (SourceDiscoveryProtocol.KnownFiles)serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));

        Assert.Equal("known-files", serializer.Manifest(message));
        Assert.Equal(message.Files, copy.Files);
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
