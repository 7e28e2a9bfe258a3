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

    [Theory]
    [InlineData("checkpoint-advanced", """{"FileIdentity":"803:1a2b","Generation":2,"Offset":123456}""")]
    [InlineData("tailer-checkpoint", """{"FileIdentity":"803:1a2b","Generation":2,"Offset":123456,"MarkIdentity":"803:1a2b#2"}""")]
    public void Per_path_checkpoints_written_before_issue_7_are_still_read(string manifest, string json)
    {
        // The bytes the previous version wrote under these manifests (System.Text.Json of its records).
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(LegacyCheckpoints.CheckpointAdvanced));

        var read = serializer.FromBinary(System.Text.Encoding.UTF8.GetBytes(json), manifest);

        object expected = manifest == "checkpoint-advanced"
            ? new LegacyCheckpoints.CheckpointAdvanced("803:1a2b", 2, 123_456)
            : new LegacyCheckpoints.TailerCheckpoint("803:1a2b", 2, 123_456);
        Assert.Equal(expected, read);
    }

    [Fact]
    public void An_adopted_checkpoint_round_trips_with_its_marks()
    {
        var message = new FileTailerProtocol.TailedFileAdopted(
            "803:1a2b", 0x5eed, "/var/log/atlas.log", new Fingerprint(3, "00ff"), 600, [new FileTailerProtocol.AdoptedMark("ATLAS", 700)]);
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(message);

        var copy = (FileTailerProtocol.TailedFileAdopted)serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));

        Assert.Equal("tailed-file-adopted", serializer.Manifest(message));
        Assert.Equal(message.Marks, copy.Marks);
        Assert.Equal(message with { Marks = copy.Marks }, copy);
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

public sealed class AlertSerializationSpecs : ActorSpec
{
    private static readonly LogAggregator.Alerting.Alert Alert = new("id-1", "CERBERUS:x <*>", "[ERROR] CERBERUS: Error Alert", Level.Error, "5 errors within 300 s",
        "CERBERUS", "x <*>", 5, new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2025, 1, 1, 0, 4, 0, DateTimeKind.Utc),
        new DateTime(2025, 1, 1, 0, 4, 1, DateTimeKind.Utc), [new LogAggregator.Alerting.AlertSample("d-1", new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc), "x 1")],
        "http://localhost:8062/?agent=CERBERUS");

    private static readonly LogAggregator.Alerting.Silence Silence = new("s-1", new LogAggregator.Alerting.SilenceMatcher("CERBERUS", null, "x <*>"),
        new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2025, 1, 1, 2, 0, 0, DateTimeKind.Utc), "deploy");

    public static TheoryData<object> Messages() => new()
    {
        new LogAggregator.Alerting.AlertNotifierProtocol.Deliver(Alert),
        new LogAggregator.Alerting.AlertNotifierProtocol.DeliveryAccepted("id-1"),
        new LogAggregator.Alerting.AlertLogEvents.AlertQueued(Alert, Alert.RaisedAt),
        new LogAggregator.Alerting.AlertLogEvents.DeliveryAttempted("id-1", "/api/alerts", 500, "Internal Server Error", Alert.RaisedAt),
        new LogAggregator.Alerting.AlertLogEvents.DeliveryAttempted("id-1", "/api/alerts", null, "connection refused", Alert.RaisedAt),
        new LogAggregator.Alerting.AlertLogEvents.AlertDelivered("id-1", "/api/messages", 202, Alert.RaisedAt),
        new LogAggregator.Alerting.AlertLogEvents.AlertSilenced("id-1", "s-1", Alert.RaisedAt),
        new LogAggregator.Alerting.AlertLogEvents.SilenceCreated(Silence),
        new LogAggregator.Alerting.AlertLogEvents.SilenceDeleted("s-1", Alert.RaisedAt),
        new LogAggregator.Alerting.AlertLogSnapshot(
            [new LogAggregator.Alerting.AlertRecord(Alert, Alert.RaisedAt, LogAggregator.Alerting.DeliveryState.Failed, 1, null, null, null,
                [new LogAggregator.Alerting.DeliveryAttempt(Alert.RaisedAt, "/api/alerts", null, "refused")])],
            [Silence]),
        new LogAggregator.Alerting.AlertNotifierProtocol.ListAlerts(10, "CERBERUS", LogAggregator.Alerting.DeliveryState.Pending),
        new LogAggregator.Alerting.AlertNotifierProtocol.CreateSilence(Silence.Matcher, TimeSpan.FromMinutes(30), "deploy"),
        new LogAggregator.Alerting.AlertNotifierProtocol.ListSilencesResponse([Silence]),
        new LogAggregator.Alerting.AlertNotifierProtocol.DeleteSilenceResponse(true),
    };

    /// <summary>Compared as JSON: the records hold lists, which records compare by reference.</summary>
    [Theory]
    [MemberData(nameof(Messages))]
    public void Alert_messages_events_and_snapshots_round_trip_through_the_bound_serializer(object message)
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(message);

        var copy = serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));

        Assert.IsType<LogAggregatorSerializer>(serializer);
        Assert.Equal(message.GetType(), copy.GetType());
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(message, message.GetType()), System.Text.Json.JsonSerializer.Serialize(copy, copy.GetType()));
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
        new LogAggregator.Alerting.AlertThresholdProtocol.CooldownNoted("CERBERUS:x <num>", At.AddMinutes(10)),
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
