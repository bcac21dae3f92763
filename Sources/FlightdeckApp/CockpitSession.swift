import CockpitUI
import Foundation
import HistoryStore
import TerminalIO

/// The cockpit on this process's terminal: takes it over until the operator quits, and
/// restores it on every way out.
public enum CockpitSession {
    /// Runs the cockpit on `cluster`. Returns the termination signal that ended it, if one
    /// did (history is committed by then; the caller exits with 128 + it).
    ///
    /// - Parameters:
    ///   - quitAfter: quits by itself after this many seconds (the demo's `--duration`).
    ///   - whileOpen: runs beside the cockpit, cancelled when it closes.
    ///   - connect: opens another kubeconfig context for `:ctx NAME`; throws a one-line reason.
    @discardableResult
    public static func open(cluster: CockpitCluster, store: HistoryStore, readOnly: Bool, theme: String, mouse: Bool = false,
        environment: [String: String] = ProcessInfo.processInfo.environment, quitAfter: Double? = nil,
        whileOpen: (@Sendable () async -> Void)? = nil,
        connect: @escaping @Sendable (String) async throws -> CockpitCluster) async throws -> Int32?
    {
        let session: TerminalSession
        do {
            session = try TerminalSession(environment: environment, mouse: mouse)
        } catch {
            throw OperatorError("\(error)")
        }
        let runtime = CockpitRuntime(.init(session: session, store: store, cluster: cluster, readOnly: readOnly,
            themes: ThemeFileCatalog.catalog(environment: environment), themeName: theme, connect: connect))
        return await withTaskGroup(of: Void.self) { group in
            if let quitAfter {
                group.addTask {
                    try? await Task.sleep(for: .seconds(quitAfter))
                    if !Task.isCancelled { runtime.send(.terminal(.key(.ctrl("q")))) }
                }
            }
            if let whileOpen { group.addTask { await whileOpen() } }
            let signal = await runtime.run()
            // The terminal first; then what ran beside the cockpit is cancelled and awaited.
            session.shutdown()
            group.cancelAll()
            return signal
        }
    }
}
