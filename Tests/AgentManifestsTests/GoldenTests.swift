import AgentManifests
import FlightdeckCore
import Testing

/// Every manifest, byte for byte, against `Golden/`: a change to what Flightdeck deploys shows
/// up as a reviewed diff of YAML, never silently.
@Suite struct GoldenTests {
    /// With the in-cluster NATS, the task as a cluster with NATS identities deploys it (the
    /// job's credentials in its Secret); with an external NATS, without.
    @Test(arguments: Fixtures.allSettings.map(\.0))
    func taskManifests(settingsName: String) throws {
        let settings = Fixtures.allSettings.first { $0.0 == settingsName }!.1
        let credentials = settings.deploysNATS ? Fixtures.natsCredentials : nil
        try Golden.check("task-\(settingsName).yaml",
            ManifestYAML.encode(Fixtures.taskObjects(Fixtures.task, settings, natsCredentials: credentials)))
    }

    @Test(arguments: Fixtures.allSettings.map(\.0))
    func installBundle(settingsName: String) throws {
        let settings = Fixtures.allSettings.first { $0.0 == settingsName }!.1
        try Golden.check("install-\(settingsName).yaml", ManifestYAML.encode(Fixtures.installObjects(settings)))
    }

    @Test func aMinimalTaskHasNoSecretsVolumeNorDeadline() throws {
        let task = AgentTask(uuid: "task-0001", image: "python:3.12-slim", prompt: "hello")
        try Golden.check("task-minimal.yaml", ManifestYAML.encode(Fixtures.taskObjects(task, Fixtures.settings, suspended: false)))
    }

    @Test func yamlReadsBackAsTheSameJSON() throws {
        for (_, settings) in Fixtures.allSettings {
            let objects = Fixtures.taskObjects(Fixtures.task, settings, natsCredentials: Fixtures.natsCredentials)
                + Fixtures.installObjects(settings)
            #expect(try ManifestYAML.decode(ManifestYAML.encode(objects)) == objects)
        }
        let tricky: JSONValue = ["a": "true", "b": "0400", "c": "", "d": "1.30", "e": "null", "f": "- x", "g": "x: y",
            "h": "line one\nline two\n", "i": 7, "j": false, "k": "~", "l": " padded", "m": "#comment"]
        #expect(try ManifestYAML.decode(ManifestYAML.encode([tricky])) == [tricky])
    }
}
