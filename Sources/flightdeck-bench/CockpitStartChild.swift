import AgentManifests
import CockpitUI
import FlightdeckApp
import Foundation
import HistoryStore
import TerminalIO

/// The process `cockpit-start` measures, on the pty it is given: what `flightdeck cockpit`
/// does — open the history file, connect to the cluster of `kubeconfig` (its keeper
/// reconciling, its sources following), and run `CockpitRuntime` on the terminal — with a
/// backend that notes when the first whole frame was drawn. Then it sits idle for
/// `idleSeconds` and notes its CPU time and memory. Writes `key value` lines to `report`.
struct CockpitStartChild {
    let database: String
    let kubeconfig: String
    let home: String
    let expectedJobs: Int
    let idleSeconds: Int
    let report: String

    func run() async throws {
        let entered = nowNanoseconds()
        let store = try await HistoryStore.opening(path: database, options: .init())
        let opened = nowNanoseconds()
        let connection = try BenchCluster.loader(home: home).load(kubeconfig: kubeconfig, namespace: "agents")
        let cluster = try await CockpitCluster(connection: connection, config: ManifestConfig(), store: store, readOnly: false)
        let environment = ProcessInfo.processInfo.environment
        let watcher = FirstFrameBackend(CursesBackend(options: .init(environment: environment)), expectedJobs: expectedJobs)
        let session = try TerminalSession(backend: watcher)
        let sessionStarted = nowNanoseconds()
        let runtime = CockpitRuntime(.init(session: session, store: store, cluster: cluster, readOnly: false,
            themes: ThemeFileCatalog.catalog(environment: environment), themeName: "dark",
            connect: { name in throw BenchError("no context \(name) here") }))
        let running = Task { await runtime.run() }

        let deadline = nowNanoseconds() + 30_000_000_000
        while watcher.fullFrame == nil, nowNanoseconds() < deadline { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .seconds(3))  // what the first frame asked for settles
        let cpuStart = cpuSeconds()
        let drawsStart = watcher.draws
        try await Task.sleep(for: .seconds(idleSeconds))
        let cpuIdle = cpuSeconds() - cpuStart
        let drawsIdle = watcher.draws - drawsStart
        let resident = residentKilobytes()

        runtime.send(.terminal(.key(.ctrl("q"))))
        _ = await running.value
        session.shutdown()
        var lines = [
            "entered_ns \(entered)",
            "store_opened_ns \(opened)",
            "session_started_ns \(sessionStarted)",
            "first_draw_ns \(watcher.firstDraw ?? 0)",
            "full_frame_ns \(watcher.fullFrame ?? 0)",
            "cpu_idle_seconds \(cpuIdle)",
            "idle_draws \(drawsIdle)",
            "rss_kb \(resident)",
        ]
        for (part, time) in watcher.partTimes { lines.append("\(part)_shown_ns \(time)") }
        try lines.joined(separator: "\n").write(toFile: report, atomically: true, encoding: .utf8)
    }
}
