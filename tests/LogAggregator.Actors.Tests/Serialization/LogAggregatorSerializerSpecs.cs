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

public sealed class AlertingSerializationSpecs : ActorSpec
{
    private static readonly DateTime At = new(2024, 1, 15, 10, 30, 0, DateTimeKind.Utc);

    private static readonly LogAggregator.Alerting.Alert Alert = new("5f0c", "CERBERUS:slow reply after <num> ms", "[ERROR] CERBERUS: Error Alert",
        Level.Error, "5 errors within 300 s", "Cerberus", "slow reply after <num> ms", 5, At, At.AddSeconds(4), At.AddSeconds(5),
        [new LogAggregator.Alerting.AlertSample("20240115-7", At, "slow reply after 5012 ms")], "http://localhost:8062/?agent=Cerberus");

    public static TheoryData<object> Messages() => new()
    {
        new LogAggregator.Alerting.AlertThresholdProtocol.RecordOccurrences(
            new LogAggregator.Alerting.AlertSubject("CERBERUS:x <num>", "CERBERUS", "Cerberus", null, "x <num>"),
            [new LogAggregator.Alerting.AlertThresholdProtocol.Occurrence("20240115-7", At, Level.Fatal)],
            [new LogAggregator.Alerting.AlertSample("20240115-7", At, "x 1")]),
        new LogAggregator.Alerting.AlertThresholdProtocol.AlertRaised(Alert, At.AddMinutes(10)),
        new LogAggregator.Alerting.AlertThresholdProtocol.AlertThresholdState(Alert.Key, At.AddMinutes(10), [Alert]),
        new LogAggregator.Alerting.AlertHandedOver("5f0c"),
        new LogAggregator.Alerting.DailySummaryProtocol.SummaryScheduled(At),
        new LogAggregator.Alerting.DailySummaryProtocol.SummaryRaised(Alert, At),
        new LogAggregator.Alerting.DailySummaryProtocol.DailySummaryState(At, [Alert]),
        new LogAggregator.Alerting.SilentAgentCheckProtocol.AgentWentSilent("CERBERUS", Alert),
        new LogAggregator.Alerting.SilentAgentCheckProtocol.SilenceEnded("CERBERUS"),
        new LogAggregator.Alerting.SilentAgentCheckProtocol.SilentAgentState(
            System.Collections.Immutable.ImmutableSortedSet.Create(StringComparer.Ordinal, "ATLAS", "CERBERUS"), [Alert]),
    };

    /// <summary>Compared as JSON: records holding lists compare those by reference.</summary>
    [Theory]
    [MemberData(nameof(Messages))]
    public void Alert_decisions_and_occurrences_round_trip_through_the_bound_serializer(object message)
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(message);

        Assert.IsType<LogAggregatorSerializer>(serializer);
        var copy = serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));

        Assert.IsType(message.GetType(), copy);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(message), System.Text.Json.JsonSerializer.Serialize(copy));
        Assert.Equal(serializer.ToBinary(message), serializer.ToBinary(copy));
    }

    [Fact]
    public void A_recovered_alert_keeps_utc_times_and_its_samples()
    {
        var message = new LogAggregator.Alerting.AlertThresholdProtocol.AlertRaised(Alert, At.AddMinutes(10));
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(message);

        var copy = (LogAggregator.Alerting.AlertThresholdProtocol.AlertRaised)serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));

        Assert.Equal(DateTimeKind.Utc, copy.Alert.FirstSeen.Kind);
        Assert.Equal(DateTimeKind.Utc, copy.CooldownUntil.Kind);
        Assert.Equal(Alert.Samples, copy.Alert.Samples);
        Assert.Equal(Alert with { Samples = copy.Alert.Samples }, copy.Alert);
    }
}
