import AgentManifests
import FlightdeckCore
import Testing

/// The `cluster:`/`agents:` config sections, task templates, validation and the apply decision.
@Suite struct ConfigTests {
    @Test func aFullConfigIsRead() throws {
        let text = """
            kubernetes:
              allowedExecCommands: [aws]
            cluster:
              namespace: lab
              nats: {url: "nats://nats.example:4222", cidr: 192.168.1.20/32}
              egressProxy: {port: 8080, allowedDomains: [.github.com]}
              objectStore: {endpoint: "http://minio.minio.svc:9000", bucket: ws}
              fatalExitCode: 17
              heartbeatStalenessSeconds: 300
              snapshotIntervalMinutes: 2
              images: {nats: "mirror.local/nats:2"}
            agents:
              image: ghcr.io/acme/agent:1
              resources: {memory: 4Gi}
              environment: {LOG_LEVEL: debug}
            """
        let config = try ManifestConfig.parse(text, file: "/c/config.yaml")
        #expect(config.settings.namespace == "lab")
        #expect(config.settings.natsURL == "nats://nats.example:4222")
        #expect(config.settings.natsCIDR == "192.168.1.20/32")
        #expect(config.settings.egressProxy.port == 8080)
        #expect(config.settings.egressProxy.allowedDomains == [".github.com"])
        #expect(config.settings.objectStore == ObjectStoreSettings(endpoint: "http://minio.minio.svc:9000", bucket: "ws"))
        #expect(config.settings.fatalExitCode == 17)
        #expect(config.settings.heartbeatStalenessSeconds == 300)
        #expect(config.settings.snapshotIntervalMinutes == 2)
        #expect(config.settings.images.nats == "mirror.local/nats:2")
        #expect(config.taskDefaults.image == "ghcr.io/acme/agent:1")
        #expect(config.taskDefaults.memory == "4Gi")
        #expect(config.settings.validationErrors.isEmpty)
        #expect(try ManifestConfig.parse("", file: "x") == ManifestConfig())
    }

    /// `cluster.nats.operatorCIDRs`: who besides the node reaches the in-cluster NATS; and the
    /// log shipper's image key, the same as in the Fluent Bit days, now wanting Vector.
    @Test func natsOperatorCIDRsAndTheLogShipperImageAreRead() throws {
        let config = try ManifestConfig.parse("""
            cluster:
              nats: {operatorCIDRs: [192.168.1.30/32, "fd00::/64"]}
              images: {logShipper: "mirror.local/timberio/vector:0.56.0-distroless-libc"}
            """, file: "/c/config.yaml")
        #expect(config.settings.natsOperatorCIDRs == ["192.168.1.30/32", "fd00::/64"])
        #expect(config.settings.images.logShipper == "mirror.local/timberio/vector:0.56.0-distroless-libc")
        #expect(config.settings.validationErrors.isEmpty)
        #expect(ClusterSettings().natsOperatorCIDRs == [], "the node itself is always admitted")
        #expect(ClusterSettings(natsOperatorCIDRs: ["192.168.1.300/32"]).validationErrors
            == ["nats.operatorCIDRs \"192.168.1.300/32\" is not a CIDR like 192.168.1.20/32"])
        var fluent = ClusterSettings()
        fluent.images.logShipper = "cr.fluentbit.io/fluent/fluent-bit:3.1.4"
        #expect(fluent.validationErrors.first?.contains("is Fluent Bit") == true)
    }

    @Test(arguments: [
        ("cluster:\n  fatalExitCode: forty-two\n", "/c/config.yaml:2:18: cluster.fatalExitCode should be an integer between 1 and 255, not \"forty-two\""),
        ("cluster:\n  fatalExitCode: 300\n", "/c/config.yaml:2:18: cluster.fatalExitCode should be an integer between 1 and 255, not \"300\""),
        ("cluster:\n  fatalExitcode: 4\n", "/c/config.yaml:2:3: cluster.fatalExitcode is not a known field (known: clusterDomain, "),
        ("cluster:\n  heartbeatStalenessSeconds: 90\n", "/c/config.yaml:2:30: cluster.heartbeatStalenessSeconds should be a whole number of minutes"),
        ("cluster:\n  namespace: Agents\n", "/c/config.yaml:2:14: cluster.namespace should be a namespace name"),
        ("cluster:\n  nats: {url: http://x}\n", "cluster.nats.url should be a URL like nats://host:4222"),
        ("cluster:\n  egressProxy:\n    allowedDomains: .github.com\n", "/c/config.yaml:3:21: cluster.egressProxy.allowedDomains should be a list of strings, not \".github.com\""),
        ("cluster:\n  objectStore: {bucket: b}\n", "/c/config.yaml:2:16: cluster.objectStore.endpoint is missing"),
        ("cluster:\n  objectStore: {endpoint: minio:9000, bucket: b}\n", "/c/config.yaml:2:27: cluster.objectStore.endpoint should be a URL like http://"),
        ("cluster:\n  objectStore: {endpoint: \"http://m:9000\"}\n", "/c/config.yaml:2:16: cluster.objectStore.bucket is missing"),
        ("cluster: [a]\n", "/c/config.yaml:1:10: cluster should be a mapping of fields, not a list"),
        ("cluster:\n  nats: {operatorCIDRs: [10.0.0.1]}\n", "cluster.nats.operatorCIDRs should be a list of CIDRs like 192.168.1.20/32 (\"10.0.0.1\" is not one)"),
        ("cluster:\n  images: {logShipper: \"cr.fluentbit.io/fluent/fluent-bit:3.1.4\"}\n", "cluster.images.logShipper should be a Vector image (timberio/vector:…): the log shipper is Vector now"),
        ("agents:\n  backoffLimit: -1\n", "/c/config.yaml:2:17: agents.backoffLimit should be an integer between 0 and 1000, not \"-1\""),
        ("cluster: {\n", "/c/config.yaml:2:1: not valid YAML: "),
        ("- cluster\n", "/c/config.yaml:1:1: the top level should be a mapping of sections (cluster:, agents:, trace:, queues:), not a list"),
    ])
    func aBadValueIsOneLineNamingFileAndField(text: String, message: String) {
        do {
            _ = try ManifestConfig.parse(text, file: "/c/config.yaml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func templatesOverlayDefaults() throws {
        let defaults = try ManifestConfig.parse("agents:\n  image: a:1\n  backoffLimit: 5\n  environment: {A: '1', B: '2'}\n",
            file: "c").taskDefaults
        let template = try TaskTemplate.parse("""
            {"prompt": "do it", "environment": {"B": "3"}, "resources": {"cpu": "1"}, "secretFiles": {"key": "key.txt"}}
            """, file: "t.json")
        let merged = template.overlaid(on: defaults)
        let task = merged.task(uuid: "u-1", secretFiles: ["key": "v"])
        #expect(task.image == "a:1")
        #expect(task.prompt == "do it")
        #expect(task.backoffLimit == 5)
        #expect(task.environment == ["A": "1", "B": "3"])
        #expect(task.resources.cpu == "1")
        #expect(task.resources.memory == TaskResources().memory)
        #expect(merged.secretFilePaths == ["key": "key.txt"])
        #expect(task.validationErrors.isEmpty, "\(task.validationErrors)")
        #expect(throws: ConfigFileError.self) { try TaskTemplate.parse("promt: typo\n", file: "t.yaml") }
    }

    @Test func validationNamesEachBadField() {
        var task = AgentTask(uuid: "not a label!", image: "", prompt: "",
            secretFiles: ["task-prompt": "x", "../escape": "y", "nats.creds": "z"],
            resources: TaskResources(cpu: "lots", memory: "0"), backoffLimit: -1,
            environment: ["PATH": "/evil", "1X": "y", "NATS_CREDS_FILE": "/tmp/mine"])
        let errors = task.validationErrors.joined(separator: "\n")
        for phrase in ["uuid", "image", "prompt is empty", "\"task-prompt\" is reserved", "\"../escape\"", "resources.cpu",
            "resources.memory \"0\" must be positive", "backoffLimit", "environment PATH is set by Flightdeck", "\"1X\"",
            "\"nats.creds\" is reserved for the job's NATS credentials", "environment NATS_CREDS_FILE is set by Flightdeck"]
        {
            #expect(errors.contains(phrase), "\(phrase) in \(errors)")
        }
        task = Fixtures.task
        #expect(task.validationErrors.isEmpty)
        #expect(ClusterSettings().validationErrors.isEmpty)
        #expect(ClusterSettings(fatalExitCode: 0).validationErrors.first?.contains("fatalExitCode") == true)
    }

    @Test func applyPlanComparesWhatFlightdeckSets() {
        let desired: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "a", "labels": ["x": "1"]],
            "data": ["k": "v"]]
        #expect(ApplyPlan.decide(desired: desired, live: nil) == .create)
        let live: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": "a", "uid": "u", "resourceVersion": "7", "labels": ["x": "1", "added": "by-server"]],
            "data": ["k": "v"]]
        #expect(ApplyPlan.decide(desired: desired, live: live) == .unchanged)
        var drifted = live
        drifted[path: ["data", "k"]] = "changed"
        guard case .patch(let patch) = ApplyPlan.decide(desired: desired, live: drifted) else {
            Issue.record("a drifted object is patched")
            return
        }
        #expect(patch["data"] == ["k": "v"])
        #expect(patch["kind"] == nil)
        // Lists must match element by element; defaults inside elements are fine.
        let pod: JSONValue = ["spec": ["containers": [["name": "a", "image": "i"]]]]
        let livePod: JSONValue = ["spec": ["containers": [["name": "a", "image": "i", "terminationMessagePath": "/dev/termination-log"]]]]
        #expect(ApplyPlan.contains(livePod, pod))
        let twoContainers: JSONValue = ["spec": ["containers": [["name": "a", "image": "i"], ["name": "b", "image": "i"]]]]
        #expect(!ApplyPlan.contains(twoContainers, pod))
    }

    @Test func endpointsParse() {
        #expect(Endpoint(url: "nats://nats.agents.svc.cluster.local:4222", defaultPort: 1) == Endpoint(host: "nats.agents.svc.cluster.local", port: 4222))
        #expect(Endpoint(url: "https://user:pw@s3.amazonaws.com/bucket", defaultPort: 443) == Endpoint(host: "s3.amazonaws.com", port: 443))
        #expect(Endpoint(url: "nats://[::1]:4333", defaultPort: 4222) == Endpoint(host: "[::1]", port: 4333))
        #expect(Endpoint(url: "http://minio.minio.svc:9000", defaultPort: 80).serviceNamespace == "minio")
        #expect(Endpoint(url: "https://s3.amazonaws.com", defaultPort: 443).serviceNamespace == nil)
    }
}

/// The `trace:` section: where a cockpit's consumer starts, and the auto-pin keywords.
@Suite struct TraceSettingsTests {
    let now = Date(timeIntervalSince1970: 1_764_400_000)

    @Test func traceSectionIsRead() throws {
        let config = try ManifestConfig.parse("""
            trace:
              startFrom: since 2h
              autoPinKeywords: ["Traceback (most recent call last)", "OOM"]
            """, file: "/c/config.yaml", now: now)
        #expect(config.trace.startFrom == .since(now.addingTimeInterval(-7_200)))
        #expect(config.trace.autoPinKeywords == ["Traceback (most recent call last)", "OOM"])
        let off = try ManifestConfig.parse("trace: {autoPinKeywords: []}", file: "/c/config.yaml", now: now)
        #expect(off.trace.autoPinKeywords == [])
        #expect(off.trace.startFrom == .lastPerJob(500), "the default")
        #expect(try ManifestConfig.parse("cluster: {namespace: x}", file: "/c", now: now).trace.autoPinKeywords == nil)
    }

    @Test(arguments: [
        ("trace: {startFrom: yesterday}", "/c/config.yaml:1:20: trace.startFrom should be new, all, last N"),
        ("trace: {autoPinKeywords: panic}", "/c/config.yaml:1:26: trace.autoPinKeywords should be a list of strings"),
        ("trace: {startfrom: new}", "/c/config.yaml:1:9: trace.startfrom is not a known field"),
    ])
    func badTraceSettingsAreNamed(text: String, message: String) {
        do {
            _ = try ManifestConfig.parse(text, file: "/c/config.yaml", now: now)
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.description.hasPrefix(message), "\(error.description)")
        }
    }
}

import Foundation
