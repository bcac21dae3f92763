import FlightdeckCore
import Foundation
import KubeClient
import KubeModel
import Testing

/// What the API server said about a namespace's Jobs over a run, from its own watch (not from
/// any Flightdeck view): the most that ran at once, and every start, in order — a Job started
/// twice appears twice.
///
/// Running: not suspended and not finished (a Complete or Failed condition), as admission
/// counts a slot. A deleted Job holds nothing.
struct JobAudit: Sendable {
    /// Running now.
    private(set) var running: Set<String> = []
    private(set) var maxRunning = 0
    private(set) var starts: [String] = []
    private(set) var finished: Set<String> = []

    mutating func apply(_ event: WatchEvent) {
        guard event.type == .added || event.type == .modified || event.type == .deleted else { return }
        let job = Job(json: event.object)
        guard let name = job.metadata.name else { return }
        let isRunning = event.type != .deleted && job.spec.suspend != true && !job.isFinished
        if job.isFinished { finished.insert(name) }
        if isRunning, !running.contains(name) {
            running.insert(name)
            starts.append(name)
        } else if !isRunning {
            running.remove(name)
        }
        maxRunning = max(maxRunning, running.count)
    }

    /// The admission scenario's outcome: at most `limit` ran at once (and `limit` did), each
    /// Job started once, in `order`.
    func expectAdmitted(_ order: [String], limit: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(maxRunning == limit, "never more than the queue's limit, and the limit used", sourceLocation: sourceLocation)
        #expect(startedTwice.isEmpty, "each Job started once", sourceLocation: sourceLocation)
        #expect(starts == order, "priority, then submission order", sourceLocation: sourceLocation)
    }

    /// Starts of one Job more than once.
    var startedTwice: [String] { Dictionary(grouping: starts, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted() }

    /// Watches `namespace`'s Jobs from `resourceVersion` into an audit until cancelled (the
    /// watch is reopened from the last version seen when the server ends it).
    static func watching(_ api: KubeAPI, namespace: String, from resourceVersion: String, into audit: AuditBox) async {
        var version = resourceVersion
        while !Task.isCancelled {
            let events = api.watch(.jobs, namespace: namespace,
                options: ListOptions(resourceVersion: version, allowWatchBookmarks: true, timeoutSeconds: 60))
            do {
                for try await event in events {
                    if let seen = event.object[path: ["metadata", "resourceVersion"]]?.stringValue { version = seen }
                    audit.apply(event)
                }
            } catch {
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}

/// A `JobAudit` shared between the watching task and the test.
final class AuditBox: @unchecked Sendable {
    private let lock = NSLock()
    private var audit = JobAudit()

    func apply(_ event: WatchEvent) { lock.withLock { audit.apply(event) } }
    var value: JobAudit { lock.withLock { audit } }
}
