import FlightdeckTestSupport
import Foundation
import Testing

/// `flightdeck sim` and the cluster checks of `flightdeck doctor`, as processes: a bad
/// kubeconfig or a dead server is one line naming the file or server and what to try.
@Suite(.timeLimit(.minutes(2))) struct ClusterCommandTests {
    let flightdeck = ProductProcess("flightdeck")
    let dir = TemporaryDirectory()

    var env: [String: String] {
        // XDG_CONFIG_HOME too: `install --apply` writes the NATS keys there, never into the real ~/.config.
        ["FLIGHTDECK_HISTORY_DB": dir.file("history.db"), "HOME": dir.path, "KUBECONFIG": "", "XDG_CONFIG_HOME": dir.file("xdg")]
    }

    func doctor(_ arguments: [String]) async throws -> ProductProcess.Result {
        try await flightdeck.run(["doctor"] + arguments, environment: env)
    }

    func line(_ result: ProductProcess.Result, _ name: String) -> String {
        // `✓  name  detail`: the second word is the check's name.
        result.stdout.split(separator: "\n").first { $0.split(separator: " ").dropFirst().first == Substring(name) }
            .map(String.init) ?? ""
    }

    @Test func aMissingKubeconfigNamedOnTheCommandLineFails() async throws {
        let result = try await doctor(["--kubeconfig", dir.file("nope.yaml")])
        #expect(result.status == 1)
        #expect(line(result, "kubeconfig").contains("no kubeconfig at \(dir.file("nope.yaml"))"))
        #expect(line(result, "kubeconfig").contains("--kubeconfig"))
    }

    @Test func aKubeconfigThatIsNotYAMLNamesTheFileAndLine() async throws {
        try "apiVersion: v1\nclusters: [\n".write(toFile: dir.file("bad.yaml"), atomically: true, encoding: .utf8)
        let result = try await doctor(["--kubeconfig", dir.file("bad.yaml")])
        #expect(result.status == 1)
        #expect(line(result, "kubeconfig").contains("\(dir.file("bad.yaml")):"))
        #expect(line(result, "kubeconfig").contains("not valid YAML"))
    }

    @Test func aMissingContextIsNamed() async throws {
        let config = """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: here, context: {cluster: c, user: u}}]
            current-context: here
            """
        try config.write(toFile: dir.file("ctx.yaml"), atomically: true, encoding: .utf8)
        let result = try await doctor(["--kubeconfig", dir.file("ctx.yaml"), "--context", "elsewhere"])
        #expect(result.status == 1)
        #expect(line(result, "kubeconfig").contains("elsewhere"))
    }

    @Test func aBadCertificateNamesTheFile() async throws {
        let config = """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: bm90IGEgY2VydGlmaWNhdGU=}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: here, context: {cluster: c, user: u}}]
            current-context: here
            """
        try config.write(toFile: dir.file("cert.yaml"), atomically: true, encoding: .utf8)
        chmod(dir.file("cert.yaml"), 0o600)
        let result = try await doctor(["--kubeconfig", dir.file("cert.yaml")])
        #expect(result.status == 1)
        #expect(line(result, "kubeconfig").contains(dir.file("cert.yaml")))
        #expect(line(result, "kubeconfig").contains("certificate"))
    }

    @Test func anUnreachableServerIsOneLine() async throws {
        let config = """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: here, context: {cluster: c, user: u}}]
            current-context: here
            """
        try config.write(toFile: dir.file("dead.yaml"), atomically: true, encoding: .utf8)
        chmod(dir.file("dead.yaml"), 0o600)
        let result = try await doctor(["--kubeconfig", dir.file("dead.yaml")])
        #expect(result.status == 1)
        #expect(line(result, "cluster").contains("cannot reach the cluster at https://127.0.0.1:9"))
        #expect(line(result, "kubeconfig").contains("insecure"))
    }

    @Test func simWritesAKubeconfigThatDoctorAndTheClientAccept() async throws {
        let running = try flightdeck.start(["sim", "--data-dir", dir.file("sim")], environment: env)
        defer { running.kill(SIGINT) }
        let kubeconfig = dir.file("sim/kubeconfig.yaml")
        try await waitFor { FileManager.default.fileExists(atPath: kubeconfig) }
        let result = try await doctor(["--kubeconfig", kubeconfig])
        #expect(line(result, "cluster").contains("Kubernetes v1."), "\(result.stdout)")
        #expect(line(result, "kubeconfig").contains("context flightdeck-sim"))
        #expect(line(result, "identity").contains("system:admin"))
        #expect(line(result, "rbac:delete").contains("allowed in agents"))
        #expect(line(result, "storage").contains("local-path (rancher.io/local-path, WaitForFirstConsumer)"))
        // The sim's default namespace is not labelled restricted: a warning, exit 2.
        #expect(line(result, "podsecurity").contains("flightdeck install --apply"))
        #expect(result.status == 2)
        running.kill(SIGINT)
        let output = await running.finish()
        #expect(output.status == 0, "stops cleanly on Ctrl-C: \(output.stderr)")
        #expect(output.stdout.contains("export KUBECONFIG=\(kubeconfig)"))
    }

    /// After `flightdeck install --apply` the sim runs the bundle's Deployments (the
    /// Deployment and ReplicaSet controllers, the kubelet's Squid and NATS): doctor finds
    /// the egress proxy and the in-cluster NATS ready.
    @Test func doctorFindsTheInstalledProxyAndNATSReadyOnTheSim() async throws {
        let running = try flightdeck.start(["sim", "--data-dir", dir.file("d")], environment: env)
        defer { running.kill(SIGKILL) }
        let kubeconfig = dir.file("d/kubeconfig.yaml")
        try await waitFor { FileManager.default.fileExists(atPath: kubeconfig) }
        let withCluster = env.merging(["KUBECONFIG": kubeconfig]) { $1 }
        var install = try await flightdeck.run(["install", "--apply"], environment: withCluster)
        for _ in 0..<50 where install.status != 0 && install.stderr.contains("connect") {
            try await Task.sleep(for: .milliseconds(100))  // the server writes its kubeconfig before it listens
            install = try await flightdeck.run(["install", "--apply"], environment: withCluster)
        }
        #expect(install.status == 0, "\(install.stderr)")
        #expect(install.stdout.contains("deployment.apps/egress-proxy created"))
        var result = try await doctor(["--kubeconfig", kubeconfig])
        try await eventually {
            result = try await doctor(["--kubeconfig", kubeconfig])
            return line(result, "proxy").contains("ready") && line(result, "nats").contains("ready")
                && !line(result, "proxy").contains("no ready replica") && !line(result, "nats").contains("no ready replica")
        }
        #expect(line(result, "proxy").hasPrefix("✓"), "\(result.stdout)")
        #expect(line(result, "proxy").contains("deployment egress-proxy in agents: 1 ready"))
        #expect(line(result, "nats").hasPrefix("✓"), "\(result.stdout)")
        #expect(line(result, "nats").contains("deployment nats in agents: 1 ready"))
        #expect(line(result, "podsecurity").contains("enforces restricted"))
        #expect(result.status == 0, "no warning left: \(result.stdout)")
        running.kill(SIGINT)
        _ = await running.finish()
    }

    @Test func simRefusesAPortInUseWithOneLine() async throws {
        let first = try flightdeck.start(["sim", "--data-dir", dir.file("a")], environment: env)
        defer { first.kill(SIGKILL) }
        try await waitFor { FileManager.default.fileExists(atPath: dir.file("a/port")) }
        let port = try String(contentsOfFile: dir.file("a/port"), encoding: .utf8)
        let second = try await flightdeck.run(["sim", "--data-dir", dir.file("b"), "--port", port], environment: env)
        #expect(second.status == 1)
        #expect(second.stderr.hasPrefix("flightdeck: cannot listen on 127.0.0.1:\(port)"))
        #expect(second.stderr.split(separator: "\n").count == 1)
    }

    @Test func submitListAndDeleteAgainstTheSim() async throws {
        let running = try flightdeck.start(["sim", "--data-dir", dir.file("s")], environment: env)
        defer { running.kill(SIGKILL) }
        let kubeconfig = dir.file("s/kubeconfig.yaml")
        try await waitFor { FileManager.default.fileExists(atPath: kubeconfig) }
        let withCluster = env.merging(["KUBECONFIG": kubeconfig]) { $1 }
        let arguments = ["submit", "--image", "ghcr.io/flightdeck/sim-agent:1", "--prompt", "Fix it",
            "--env", "SIM_AGENT_STEPS=50", "--uuid", "99999999-8888-4777-8666-555555555555"]
        let first = try await flightdeck.run(arguments, environment: withCluster)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("job.batch/agent-999999998888 started"))
        let again = try await flightdeck.run(arguments, environment: withCluster)
        #expect(again.stdout.contains("is already running"))
        let list = try await flightdeck.run(["jobs"], environment: withCluster)
        #expect(list.stdout.contains("agent-999999998888"), "\(list.stdout)\(list.stderr)")
        let deleted = try await flightdeck.run(["jobs", "delete", "agent-999999998888"], environment: withCluster)
        #expect(deleted.status == 0)
        let missing = try await flightdeck.run(["jobs", "delete", "agent-999999998888"], environment: withCluster)
        #expect(missing.status == 1)
        #expect(missing.stderr == "flightdeck: jobs.batch \"agent-999999998888\" not found\n")
    }

    /// The demo: simulated agents submitted through the real flow, their states from the
    /// reconciler and their traces through log follows, on the embedded cluster.
    @Test func demoRunsAgentsAndFollowsThem() async throws {
        let result = try await flightdeck.run(["demo", "--agents", "3", "--speed", "20", "--duration", "12",
            "--agent-runtime", "sim", "--data-dir", dir.file("demo")], environment: env)
        #expect(result.status == 0, "\(result.stderr)")
        let out = result.stdout
        #expect(out.contains("installed: namespace agents (PodSecurity restricted)"))
        #expect(out.contains("submitted agent-"))
        #expect(out.contains("running on flightdeck-sim"))
        #expect(out.contains(" thought "))
        #expect(out.contains(" action "))
        #expect(out.contains("succeeded"), "\(out.suffix(2000))")
        #expect(!out.contains("\u{1B}"))
        #expect(FileManager.default.fileExists(atPath: dir.file("demo/history.db")))
    }

    /// Without `--data-dir` the demo works in a temporary directory and removes it when it
    /// stops (saying so), unless `--keep`.
    @Test func demoRemovesItsTemporaryDirectoryUnlessKept() async throws {
        let temporary = dir.file("tmp")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        let withTemporary = env.merging(["TMPDIR": temporary + "/"]) { $1 }
        let removed = try await flightdeck.run(["demo", "--plain", "--agents", "1", "--duration", "3",
            "--agent-runtime", "sim", "--no-nats"], environment: withTemporary)
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(removed.stdout.contains("stopped; removed \(temporary)/flightdeck-demo-"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary).filter { $0.hasPrefix("flightdeck-demo-") }.isEmpty)

        let kept = try await flightdeck.run(["demo", "--plain", "--agents", "1", "--duration", "3",
            "--agent-runtime", "sim", "--no-nats", "--keep"], environment: withTemporary)
        #expect(kept.status == 0, "\(kept.stderr)")
        #expect(kept.stdout.contains("stopped; history kept in \(temporary)/flightdeck-demo-"))
        let left = try FileManager.default.contentsOfDirectory(atPath: temporary).filter { $0.hasPrefix("flightdeck-demo-") }
        #expect(left.count == 1)
        #expect(left.allSatisfy { FileManager.default.fileExists(atPath: temporary + "/" + $0 + "/history.db") })
    }

    @Test func retryStartsANewJobForTheSameTaskFromHistory() async throws {
        let running = try flightdeck.start(["sim", "--data-dir", dir.file("r")], environment: env)
        defer { running.kill(SIGKILL) }
        let kubeconfig = dir.file("r/kubeconfig.yaml")
        try await waitFor { FileManager.default.fileExists(atPath: kubeconfig) }
        let withCluster = env.merging(["KUBECONFIG": kubeconfig]) { $1 }
        try "api-key-1".write(toFile: dir.file("key.txt"), atomically: true, encoding: .utf8)
        let submitted = try await flightdeck.run(["submit", "--image", "sim-agent", "--prompt", "Fix it",
            "--secret-file", "key=\(dir.file("key.txt"))", "--env", "SIM_AGENT_STEPS=50",
            "--uuid", "12345678-1234-4123-8123-123456789abc"], environment: withCluster)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        let retry = try await flightdeck.run(["jobs", "retry", "agent-123456781234"], environment: withCluster)
        #expect(retry.status == 0, "\(retry.stderr)")
        #expect(retry.stdout.contains("a retry of agent-123456781234, restoring from job 123456781234"))
        let list = try await flightdeck.run(["jobs", "--offline"], environment: withCluster)
        #expect(list.stdout.split(separator: "\n").count == 3, "two jobs: \(list.stdout)")

        // A prompt that held a secret must be given again.
        _ = try await flightdeck.run(["submit", "--image", "sim-agent", "--uuid", "aaaaaaaa-1234-4123-8123-123456789abc",
            "--prompt", "use token ghp_abcdefghijklmnopqrstuvwxyz0123456789"], environment: withCluster)
        let refused = try await flightdeck.run(["jobs", "retry", "agent-aaaaaaaa1234"], environment: withCluster)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("pass the prompt again"))
        #expect(refused.stderr.split(separator: "\n").count == 1)
    }

    func waitFor(_ condition: () -> Bool) async throws {
        while !condition() { try await Task.sleep(for: .milliseconds(20)) }
    }
}
