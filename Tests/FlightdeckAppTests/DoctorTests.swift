import AgentManifests
import FlightdeckApp
import FlightdeckTestSupport
import Foundation
import HistoryStore
import KubeClient
import NATSAuth
import Testing

/// `flightdeck doctor`: the report's lines and exit status (pure), the machine's checks on
/// real files, and the cluster's against the simulated cluster.
@Suite(.timeLimit(.minutes(2))) struct DoctorTests {
    let directory = TemporaryDirectory("flightdeck-doctor")

    // MARK: - The report

    static let checks = [
        DoctorCheck(name: "sqlite", ok: true, required: true, detail: "3.46.1"),
        DoctorCheck(name: "tmux", ok: false, required: false, detail: "not found: apt-get install tmux"),
        DoctorCheck(name: "history", ok: false, required: true, detail: "/h.db: damaged\u{1B}[2J"),
    ]

    @Test func eachCheckIsOneMarkedLineAndTheWorstDecidesTheExit() {
        #expect(DoctorReport(Self.checks).lines(ascii: false) == [
            "✓  sqlite       3.46.1",
            "!  tmux         not found: apt-get install tmux",
            "✗  history      /h.db: damaged^[[2J",
        ])
        #expect(DoctorReport(Self.checks).lines(ascii: true).map { String($0.prefix(5)) } == ["ok   ", "warn ", "FAIL "])
        #expect(DoctorReport(Self.checks).exitStatus == 1)
        #expect(DoctorReport(Self.checks).failure == OperatorError("doctor found a problem (marked above)"))
        #expect(DoctorReport(Array(Self.checks.prefix(2))).exitStatus == 2)
        #expect(DoctorReport(Array(Self.checks.prefix(2))).failure == nil)
        #expect(DoctorReport(Array(Self.checks.prefix(1))).exitStatus == 0)
    }

    // MARK: - This machine

    @Test func theLibrariesReportTheVersionsLoaded() {
        let libraries = MachineChecks.libraries()
        #expect(libraries.map(\.name) == ["ncursesw", "libcurl", "sqlite"])
        #expect(libraries.allSatisfy { $0.required })
        #expect(libraries.last?.detail == HistoryStore.sqliteVersion)
        #expect(libraries[1].detail.contains("TLS "))
    }

    @Test func localeAndTerminalSayWhatToSet() {
        #expect(MachineChecks.locale(LocaleCheck(environment: ["LANG": "C.UTF-8"])) ==
            DoctorCheck(name: "locale", ok: true, required: false, detail: "C.UTF-8"))
        #expect(MachineChecks.locale(LocaleCheck(environment: [:])).detail
            == "unset: not UTF-8, the cockpit falls back to ASCII (export LANG=C.UTF-8)")
        #expect(MachineChecks.terminal(environment: [:]) == DoctorCheck(name: "terminal", ok: false, required: false, detail: "TERM is unset"))
        #expect(!MachineChecks.terminal(environment: ["TERM": "dumb"]).ok)
        #expect(MachineChecks.terminal(environment: ["TERM": "xterm-256color", "COLORTERM": "truecolor"]).detail
            == "TERM=xterm-256color, COLORTERM=truecolor")
    }

    @Test func toolsAreFoundOnThePathOrSaidHowToGet() throws {
        let bin = directory.file("bin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: bin + "/kubectl", contents: Data("#!/bin/sh\n".utf8),
            attributes: [.posixPermissions: 0o755]))
        let tools = MachineChecks.tools(environment: ["PATH": bin])
        #expect(tools.map(\.name) == ["nats-server", "kubectl", "tmux"])
        #expect(tools[1] == DoctorCheck(name: "kubectl", ok: true, required: false, detail: bin + "/kubectl"))
        #expect(tools.allSatisfy { !$0.required })
    }

    @Test func theAgentRuntimeIsFoundOrItsProblemSaid() {
        #expect(MachineChecks.agents(.success("/opt/agent/bin/python")).detail
            == "the agent runtime at /opt/agent/bin/python: the sim and the demo run real agents")
        let missing = MachineChecks.agents(.failure(OperatorError("FLIGHTDECK_AGENT_PYTHON=/nope is not an executable interpreter")))
        #expect(!missing.ok && !missing.required)
        #expect(missing.detail == "FLIGHTDECK_AGENT_PYTHON=/nope is not an executable interpreter (the sim and the demo simulate agents meanwhile)")
    }

    @Test func theHistoryIsOpenedAndCheckedOrSaidDamaged() async throws {
        let fresh = directory.file("history.db")
        #expect(await MachineChecks.history(path: fresh) == DoctorCheck(name: "history", ok: true, required: true, detail: fresh))
        let garbage = directory.file("garbage.db")
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }).write(to: URL(fileURLWithPath: garbage))
        let damaged = await MachineChecks.history(path: garbage)
        #expect(!damaged.ok && damaged.required)
        #expect(damaged.detail.hasPrefix("history database \(garbage) is damaged"), "\(damaged.detail)")
    }

    @Test func themesSayWhichFilesAreFoundWhere() throws {
        // A checkout: .build/<triple>/debug/flightdeck beside themes/.
        let root = directory.file("checkout")
        let binary = root + "/.build/x86_64-unknown-linux-gnu/debug"
        for path in [root + "/themes", binary, directory.file("extra"), directory.file("xdg/flightdeck/themes")] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        try "base: {}\n".write(toFile: root + "/themes/dark.yaml", atomically: true, encoding: .utf8)
        try "base: {}\n".write(toFile: directory.file("extra/mine.yaml"), atomically: true, encoding: .utf8)
        try "base: {}\n".write(toFile: directory.file("xdg/flightdeck/themes/own.yaml"), atomically: true, encoding: .utf8)
        let environment = ["FLIGHTDECK_THEMES": directory.file("extra"), "XDG_CONFIG_HOME": directory.file("xdg")]
        let check = MachineChecks.themes(environment: environment, executablePath: binary + "/flightdeck")
        #expect(check.ok)
        #expect(check.detail.hasPrefix("mine in \(directory.file("extra")); dark in \(root)/themes"), "\(check.detail)")
        #expect(check.detail.hasSuffix("own in \(directory.file("xdg/flightdeck/themes"))"), "\(check.detail)")

        // Only the user's: a warning, saying where the shipped ones were looked for.
        let userOnly = MachineChecks.themes(environment: ["XDG_CONFIG_HOME": directory.file("xdg")],
            executablePath: directory.file("elsewhere/flightdeck"))
        if !FileManager.default.fileExists(atPath: ThemeFileCatalog.systemDirectory) {
            #expect(!userOnly.ok && !userOnly.required)
            #expect(userOnly.detail.hasPrefix("no theme files in \(ThemeFileCatalog.systemDirectory)"))
            #expect(userOnly.detail.hasSuffix("; own in \(directory.file("xdg/flightdeck/themes"))"))
        }
    }

    // MARK: - The cluster

    func checks(_ fixture: SimulatedClusterFixture, namespace: String? = nil,
        settings: @escaping @Sendable (String) throws -> ClusterSettings) throws -> ClusterChecks
    {
        let connection = try SimulatedClusterFixture.loader(home: directory.path)
            .load(kubeconfig: fixture.sim.kubeconfigURL.path, namespace: namespace)
        return ClusterChecks(connection: .success(connection), explicit: true, configPath: "/etc/flightdeck/config.yaml",
            settings: settings)
    }

    static func line(_ checks: [DoctorCheck], _ name: String) -> DoctorCheck? { checks.first { $0.name == name } }

    @Test func theSimulatedClusterIsCheckedAndItsNamespaceIsReadyOnceInstalled() async throws {
        let fixture = try await SimulatedClusterFixture("flightdeck-doctor-cluster")
        let before = try await checks(fixture) { ClusterSettings(namespace: $0) }.run()
        #expect(Self.line(before, "kubeconfig")?.detail.contains("context flightdeck-sim, namespace agents") == true, "\(before)")
        #expect(Self.line(before, "cluster")?.detail.contains("(Kubernetes v1.") == true)
        #expect(Self.line(before, "identity")?.detail.hasPrefix("system:admin") == true)
        #expect(Self.line(before, "rbac:delete")?.detail == "allowed in agents")
        #expect(Self.line(before, "storage")?.detail == "StorageClass local-path (rancher.io/local-path, WaitForFirstConsumer)")
        #expect(Self.line(before, "podsecurity")?.ok == false)
        #expect(Self.line(before, "netpol")?.detail.hasPrefix("no NetworkPolicy in agents") == true)
        #expect(Self.line(before, "proxy")?.detail.hasPrefix("no deployment egress-proxy in agents") == true)
        #expect(Self.line(before, "nats")?.detail.hasPrefix("no deployment nats in agents") == true)

        try await ClusterBootstrap.apply(ClusterSettings(namespace: "agents"),
            authorization: .jwt(NATSAuthorizationSettings(keys: BusKeys.generate())), api: fixture.api) { _ in }
        let after = try await checks(fixture) { ClusterSettings(namespace: $0) }.run()
        #expect(Self.line(after, "podsecurity") == DoctorCheck(name: "podsecurity", ok: true, required: false,
            detail: "namespace agents enforces restricted"))
        #expect(Self.line(after, "netpol")?.ok == true)
        #expect(Self.line(after, "proxy")?.detail.hasPrefix("deployment egress-proxy in agents") == true, "\(after)")
        await fixture.stop()
    }

    @Test func externalServicesMustAnswer() async throws {
        let fixture = try await SimulatedClusterFixture("flightdeck-doctor-services")
        let port = try #require(fixture.connection.server.port)
        // The API server's port accepts connections; the discard port does not.
        let reachable = try await checks(fixture) { namespace in
            var settings = ClusterSettings(namespace: namespace, natsURL: "http://not-nats")
            settings.egressProxy.host = "127.0.0.1"
            settings.egressProxy.port = port
            return settings
        }.services(api: fixture.api, namespace: "agents")
        #expect(reachable == [
            DoctorCheck(name: "proxy", ok: true, required: false, detail: "127.0.0.1:\(port) accepts connections"),
            DoctorCheck(name: "nats", ok: false, required: false, detail: "not a NATS URL: http://not-nats"),
        ])
        let discarded = await ClusterChecks.accepts(host: "127.0.0.1", port: 9)
        #expect(!discarded)
        let unreadable = try await checks(fixture) { _ in throw OperatorError("bad config") }.services(api: fixture.api, namespace: "agents")
        #expect(unreadable == [DoctorCheck(name: "config", ok: false, required: false,
            detail: "cannot read Flightdeck's config at /etc/flightdeck/config.yaml")])
        await fixture.stop()
    }

    @Test func aMissingNamespaceSaysToInstall() async throws {
        let fixture = try await SimulatedClusterFixture("flightdeck-doctor-namespace")
        let checks = try await checks(fixture, namespace: "nowhere") { ClusterSettings(namespace: $0) }.run()
        #expect(Self.line(checks, "namespace") == DoctorCheck(name: "namespace", ok: false, required: false,
            detail: "namespace nowhere does not exist: run `flightdeck install --apply`"))
        #expect(Self.line(checks, "proxy") == nil && Self.line(checks, "nats") == nil)
        await fixture.stop()
    }

    @Test func noKubeconfigIsAWarningUnlessOneWasNamed() async {
        let missing = KubeconfigError(.missingFile, file: "/home/op/.kube/config", "no kubeconfig at /home/op/.kube/config")
        let implicit = ClusterChecks.kubeconfig(.failure(missing), explicit: false)
        #expect(!implicit.ok && !implicit.required)
        #expect(implicit.detail.hasSuffix("(`flightdeck demo` needs none)"))
        let named = ClusterChecks.kubeconfig(.failure(missing), explicit: true)
        #expect(!named.ok && named.required)
        #expect(named.detail == missing.description)
        let checks = await ClusterChecks(connection: .failure(missing), explicit: true, configPath: "/c.yaml") { _ in ClusterSettings() }.run()
        #expect(checks.map(\.name) == ["kubeconfig"])
    }
}
