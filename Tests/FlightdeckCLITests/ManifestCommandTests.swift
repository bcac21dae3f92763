import FlightdeckTestSupport
import Foundation
import Testing

/// `flightdeck manifests task|install` and `flightdeck install [--apply]` as processes: what
/// they print, their one-line errors, and an idempotent apply against `flightdeck sim`.
@Suite(.timeLimit(.minutes(2))) struct ManifestCommandTests {
    let flightdeck = ProductProcess("flightdeck")
    let dir = TemporaryDirectory()

    var env: [String: String] {
        ["FLIGHTDECK_HISTORY_DB": dir.file("history.db"), "HOME": dir.path, "KUBECONFIG": "", "XDG_CONFIG_HOME": dir.file("xdg")]
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = dir.file(name)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func taskManifestsAreYAMLByDefaultAndAJSONListWithOutputJSON() async throws {
        let key = try write("key.txt", "sk-not-a-real-key")
        let arguments = ["manifests", "task", "--image", "ghcr.io/acme/agent:1", "--prompt", "fix it",
            "--uuid", "3f2a9c1e-4b7d-4e2a-9f10-6c5d8e7a1b20", "--secret-file", "openai=\(key)", "--memory", "4Gi"]
        let yaml = try await flightdeck.run(arguments, environment: env)
        #expect(yaml.status == 0, "\(yaml.stderr)")
        for text in ["kind: Job", "name: agent-3f2a9c1e4b7d", "kind: PersistentVolumeClaim", "name: workspace-agent-3f2a9c1e4b7d",
            "kind: Secret", "memory: 4Gi", "flightdeck.dev/task-uuid: 3f2a9c1e-4b7d-4e2a-9f10-6c5d8e7a1b20"]
        {
            #expect(yaml.stdout.contains(text), "\(text)")
        }
        #expect(yaml.stdout.components(separatedBy: "\n---\n").count == 3)
        #expect(!yaml.stdout.contains("ownerReferences"), "no owner uid given")

        let json = try await flightdeck.run(arguments + ["-o", "json", "--owner-uid", "1234"], environment: env)
        #expect(json.status == 0, "\(json.stderr)")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(list["kind"] as? String == "List")
        let items = try #require(list["items"] as? [[String: Any]])
        #expect(items.map { $0["kind"] as? String } == ["Job", "PersistentVolumeClaim", "Secret"])
        let owners = (items[1]["metadata"] as? [String: Any])?["ownerReferences"] as? [[String: Any]]
        #expect(owners?.first?["uid"] as? String == "1234")
    }

    @Test func aTemplateFillsTheTaskAndFlagsWin() async throws {
        let template = try write("tpl/task.yaml", """
            image: ghcr.io/acme/agent:2
            prompt: from the template
            resources: {cpu: 250m}
            secretFiles: {token: token.txt}
            """)
        _ = try write("tpl/token.txt", "ghp_not_real")
        let result = try await flightdeck.run(["manifests", "task", "--template", template, "--prompt", "from the flag",
            "-o", "json"], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("ghcr.io/acme/agent:2"))
        #expect(result.stdout.contains("\"cpu\": \"250m\""))
        #expect(result.stdout.contains(Data("from the flag".utf8).base64EncodedString()))
        #expect(result.stdout.contains(Data("ghp_not_real".utf8).base64EncodedString()))
    }

    @Test func theDefaultImageIsTheAgentRuntimes() async throws {
        let result = try await flightdeck.run(["manifests", "task", "--prompt", "p", "-o", "json"], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"image\": \"localhost/flightdeck-agent:0.1.0\""))
    }

    @Test func badInputIsOneLine() async throws {
        let config = try write("bad.yaml", "cluster:\n  fatalExitCode: lots\n")
        for (arguments, phrase) in [
            (["manifests", "task", "--image", "not an image", "--prompt", "p"], "image"),
            (["manifests", "task", "--image", "i"], "prompt"),
            (["manifests", "task", "--image", "i", "--prompt", "p", "--memory", "much"], "resources.memory"),
            (["manifests", "install", "--config", config], "\(config):2:18: cluster.fatalExitCode should be an integer"),
            (["manifests", "task", "--image", "i", "--prompt", "p", "--secret-file", "x=\(dir.file("nope"))"], "cannot read secret file x"),
            (["install", "--config", dir.file("missing.yaml")], "no Flightdeck config at"),
        ] {
            let result = try await flightdeck.run(arguments, environment: env)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.hasPrefix("flightdeck: ") && result.stderr.contains(phrase), "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
        }
    }

    /// `--queue` and `--priority` (what `submit` shares): the Job's labels, the config's default
    /// queue when none is named, and an unknown queue or priority refused in one line.
    @Test func queueAndPriorityLabelTheJobAndAnUnknownQueueIsRefused() async throws {
        let config = try write("queues.yaml", "queues:\n  - {name: homelab, limit: 2}\n  - {name: batch, limit: 1, default: true}\n")
        let named = try await flightdeck.run(["manifests", "task", "--config", config, "--prompt", "p", "--queue", "homelab",
            "--priority", "high", "-o", "json"], environment: env)
        #expect(named.status == 0, "\(named.stderr)")
        #expect(named.stdout.contains("\"flightdeck.dev/queue\": \"homelab\""), "\(named.stdout)")
        #expect(named.stdout.contains("\"flightdeck.dev/priority\": \"high\""))
        let defaulted = try await flightdeck.run(["manifests", "task", "--config", config, "--prompt", "p", "-o", "json"],
            environment: env)
        #expect(defaulted.status == 0, "\(defaulted.stderr)")
        #expect(defaulted.stdout.contains("\"flightdeck.dev/queue\": \"batch\""))
        #expect(defaulted.stdout.contains("\"flightdeck.dev/priority\": \"normal\""))
        for (arguments, message) in [
            (["--config", config, "--queue", "gpu"], "flightdeck: queue \"gpu\" is not configured (queues: homelab, batch)"),
            (["--priority", "urgent"], "flightdeck: --priority urgent: expected high|normal|low"),
        ] {
            let result = try await flightdeck.run(["manifests", "task", "--prompt", "p"] + arguments, environment: env)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stderr.trimmingCharacters(in: .newlines) == message, "\(arguments): \(result.stderr)")
        }
    }

    @Test func installPrintsTheBundleWithTheConfigsSettings() async throws {
        _ = try write("xdg/flightdeck/config.yaml", "cluster:\n  namespace: lab\n  nats: {url: \"nats://nats.example:4222\"}\n")
        let result = try await flightdeck.run(["install"], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: lab\n"))
        #expect(result.stdout.contains("pod-security.kubernetes.io/enforce: restricted"))
        #expect(!result.stdout.contains("name: nats-jetstream"), "an external NATS is not deployed")
        let same = try await flightdeck.run(["manifests", "install"], environment: env)
        #expect(same.stdout == result.stdout)
    }

    @Test func installApplyIsIdempotentAgainstTheSimulatedCluster() async throws {
        let running = try flightdeck.start(["sim", "--data-dir", dir.file("sim")], environment: env)
        defer { running.kill(SIGKILL) }
        let kubeconfig = dir.file("sim/kubeconfig.yaml")
        while !FileManager.default.fileExists(atPath: kubeconfig) { try await Task.sleep(for: .milliseconds(20)) }
        var first = try await flightdeck.run(["install", "--apply", "--kubeconfig", kubeconfig, "-n", "fd-lab"], environment: env)
        for _ in 0..<50 where first.status != 0 && first.stderr.contains("connect") {
            try await Task.sleep(for: .milliseconds(100))  // the server writes its kubeconfig before it listens
            first = try await flightdeck.run(["install", "--apply", "--kubeconfig", kubeconfig, "-n", "fd-lab"], environment: env)
        }
        #expect(first.status == 0, "\(first.stderr)")
        let lines = first.stdout.split(separator: "\n")
        #expect(lines.first == "namespace/fd-lab created")
        #expect(lines.contains("role.rbac.authorization.k8s.io/flightdeck-orchestrator created"))
        #expect(lines.contains("deployment.apps/nats created"))
        #expect(lines.allSatisfy { $0.hasSuffix(" created") }, "\(lines)")

        let second = try await flightdeck.run(["install", "--apply", "--kubeconfig", kubeconfig, "-n", "fd-lab"], environment: env)
        #expect(second.status == 0, "\(second.stderr)")
        let again = second.stdout.split(separator: "\n")
        #expect(again.count == lines.count)
        #expect(again.allSatisfy { $0.hasSuffix(" unchanged") }, "\(again)")

        // A changed setting patches just what differs.
        let third = try await flightdeck.run(["install", "--apply", "--kubeconfig", kubeconfig, "-n", "fd-lab",
            "--proxy-port", "3129"], environment: env)
        #expect(third.status == 0, "\(third.stderr)")
        #expect(third.stdout.contains("configmap/egress-proxy configured"))
        #expect(third.stdout.contains("namespace/fd-lab unchanged"))
    }
}
