import AgentManifests
import FlightdeckCore
import Foundation
import HistoryStore
import Orchestrator
import Synchronization

/// `flightdeck record`: keeps the history without a cockpit open — the namespace reconciled,
/// every agent's trace ingested (NATS JetStream when configured, else pod logs) — until
/// stopped. For a systemd unit on the cluster node, so that nothing is missed while no one
/// watches.
///
/// It says what happens one line at a time (terminal-safe): job states and notes unless
/// quiet, trouble with the cluster, NATS or the store always. Its exit says whether everything
/// received was stored.
public struct HeadlessRecorder: Sendable {
    public let keeper: HistoryKeeper
    /// The API server, for the first line.
    public let server: String
    /// Where the trace comes from: NATS's URL, or `nil` for pod logs.
    public let natsURL: String?
    public let quiet: Bool
    private let say: @Sendable (String) -> Void

    /// `say` writes one line.
    public init(keeper: HistoryKeeper, server: String, natsURL: String?, quiet: Bool, say: @escaping @Sendable (String) -> Void) {
        self.keeper = keeper
        self.server = server
        self.natsURL = natsURL
        self.quiet = quiet
        self.say = say
    }

    /// `--start-from`: where the trace starts the first time, or one line saying what is expected.
    public static func startPoint(_ text: String, now: Date) throws -> TraceStartPoint {
        guard let point = TraceStartPoint(parsing: text, now: now) else {
            throw OperatorError("--start-from \(TerminalText.line(text)): expected new, all, last N, since <time> or since <duration>")
        }
        return point
    }

    /// The first line: what is recorded, from where, into which file.
    public static func banner(namespace: String, server: String, historyPath: String, natsURL: String?) -> String {
        "recording \(namespace) on \(server) into \(historyPath); trace from \(natsURL ?? "pod logs")"
    }

    /// What the status lines say of `event`, if anything. Trouble is said even when quiet:
    /// the cluster or NATS retrying, the store refusing writes (the sources wait and retry,
    /// nothing is dropped) and writing again.
    public static func line(for event: HistoryKeeper.Event, quiet: Bool) -> String? {
        switch event {
        case .reconciler(.job(let job)): quiet ? nil : "\(job.name) \(job.status.rawValue)"
        case .reconciler(.connection(.retrying(_, let reason))): "cluster: \(reason)"
        case .nats(.reconnecting(let reason, _)): "nats: \(reason)"
        case .note(let text): quiet ? nil : text
        case .store(let failure?): "history: \(failure); retrying"
        case .store(nil): "history: writing again"
        case .admission(let event): line(for: event, quiet: quiet)
        default: nil
        }
    }

    /// What the admitter's lines say; its trouble even when quiet.
    static func line(for event: Admitter.Event, quiet: Bool) -> String? {
        switch event {
        case .leading: quiet ? nil : "admission: this keeper admits queued jobs (it holds the lease \(Admitter.leaseName))"
        case .following(let holder?): quiet ? nil : "admission: \(TerminalText.line(holder)) admits queued jobs; standing by"
        case .following(nil): quiet ? nil : "admission: another keeper admits queued jobs; standing by"
        case .kueue: quiet ? nil : "admission: Kueue admits queued jobs in this cluster; standing by"
        case .admitted(let job, let queue): quiet ? nil : "\(TerminalText.line(job)) admitted from queue \(TerminalText.line(queue))"
        case .problem(let text): "admission: \(text); retrying"
        }
    }

    /// Records until `stop` returns, then commits what is queued. Throws one line when the
    /// store could not take everything: what was not stored is still in the cluster (pod
    /// logs) or JetStream (unacknowledged) for the next run.
    public func run(until stop: @escaping @Sendable () async -> Void) async throws {
        let path = keeper.store.path
        tell(Self.banner(namespace: keeper.options.namespace, server: server, historyPath: path, natsURL: natsURL), always: false)
        let failing = StoreRefusal()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [keeper, quiet] in
                await keeper.run { event in
                    if case .store(let failure) = event { failing.lasting.withLock { $0 = failure != nil } }
                    if let line = Self.line(for: event, quiet: quiet) { tell(line, always: true) }
                }
            }
            await stop()
            group.cancelAll()
        }
        do {
            try await keeper.closed()
        } catch {
            throw OperatorError("\(error)")
        }
        if failing.lasting.withLock({ $0 }) {
            throw OperatorError("stopped while \(path) refused writes: what was not stored is still in the cluster "
                + "(pod logs) or JetStream (unacknowledged) for the next run")
        }
        tell("stopped; everything received is in \(path)", always: false)
    }

    /// Whether the store is refusing writes, as last reported.
    private final class StoreRefusal: Sendable {
        let lasting = Mutex(false)
    }

    private func tell(_ text: String, always: Bool) {
        guard always || !quiet else { return }
        say(TerminalText.line(text))
    }
}
