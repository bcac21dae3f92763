import FlightdeckCore
import FlowControl
import Foundation
import KubeModel

/// Follows one container's log for as long as the container may write: across dropped
/// connections (resumes with `sinceTime`, de-duplicated by `LogResume`) and across
/// container restarts (the next run's lines follow the last run's), ending when the
/// container has stopped for good or the pod is gone.
public struct LogFollower: Sendable {
    public let api: KubeAPI
    public let namespace: String
    public let pod: String
    /// `nil`: the pod's only container (the server refuses when there are several).
    public let container: String?
    public var backoff: Backoff

    public init(api: KubeAPI, namespace: String, pod: String, container: String? = nil,
        backoff: Backoff = Backoff(initial: 0.5, maximum: 10))
    {
        self.api = api
        self.namespace = namespace
        self.pod = pod
        self.container = container
        self.backoff = backoff
    }

    /// The lines one by one.
    public func lines() -> BoundedChannel<LogLine, any Error> {
        .producing(highWater: Self.linesBuffered) { lines in
            try await run { batch in
                for line in batch { try await lines.send(line) }
            }
        }
    }

    /// The lines as they arrive, a network chunk's worth at a time: what an ingester that
    /// writes in batches reads (one hand-off per chunk instead of one per line).
    public func batches() -> BoundedChannel<[LogLine], any Error> {
        .producing(highWater: Self.bytesBuffered, weight: { $0.reduce(0) { $0 + $1.text.count } }) { batches in
            try await run { batch in try await batches.send(batch) }
        }
    }

    /// What waits for a slow consumer before the follower stops reading: lines for `lines()`,
    /// line bytes for `batches()`.
    public static let linesBuffered = 4_096
    public static let bytesBuffered = 256 << 10

    private enum Next {
        case reconnect
        case retryLater(String)
        case done
    }

    private func run(_ deliver: ([LogLine]) async throws -> Void) async throws {
        var resume = LogResume()
        var backoff = self.backoff
        let clock = ContinuousClock()
        let origin = clock.now
        var lastRestartCount: Int?
        while !Task.isCancelled {
            var options = PodLogOptions(container: container, follow: true, timestamps: true)
            if let since = resume.sinceSeconds { options.sinceTime = Date(timeIntervalSince1970: Double(since)) }
            let restartCount = try await currentRestartCount()
            // The container restarted while we were away (a cut link): the end of the run we
            // were reading is only in its previous log. Drain that first, or it is lost.
            if let last = lastRestartCount, restartCount > last {
                var previous = options
                previous.follow = false
                previous.previous = true
                resume.streamStarted()
                var splitter = LineSplitter(maxLine: 16 << 20)
                do {
                    for try await chunk in api.logs(namespace: namespace, pod: pod, options: previous) {
                        let batch = try Self.lines(of: chunk, splitter: &splitter, resume: &resume, restartCount: restartCount - 1)
                        if !batch.isEmpty { try await deliver(batch) }
                    }
                } catch is CancellationError {
                    return
                } catch {
                    // No previous log to read (already rotated away): nothing more to recover.
                }
                if let since = resume.sinceSeconds { options.sinceTime = Date(timeIntervalSince1970: Double(since)) }
            }
            lastRestartCount = restartCount
            resume.streamStarted()
            let next: Next
            var ambiguous = false
            do {
                var splitter = LineSplitter(maxLine: 16 << 20)
                var first = true
                for try await chunk in api.logs(namespace: namespace, pod: pod, options: options) {
                    // A restart between reading the count and opening the stream leaves us not
                    // knowing which run this is: deliver nothing from it; the next round drains
                    // the previous run first.
                    if first {
                        first = false
                        if try await currentRestartCount() > restartCount {
                            ambiguous = true
                            break
                        }
                    }
                    let batch = try Self.lines(of: chunk, splitter: &splitter, resume: &resume, restartCount: restartCount)
                    if !batch.isEmpty { try await deliver(batch) }
                }
                if ambiguous { continue }
                next = try await afterStreamEnded(restartCount: restartCount)
            } catch let error as APIError where error.code == 404 {
                return
            } catch let error as APIError where error.code == 400 && error.description.contains("waiting to start") {
                next = .retryLater(error.description)
            } catch let error as APIError where error.code == 400 {
                throw error
            } catch is CancellationError {
                return
            } catch {
                next = .retryLater("\(error)")
            }
            switch next {
            case .done: return
            case .reconnect: continue
            case .retryLater:
                let now = (clock.now - origin).seconds
                try await Task.sleep(for: .seconds(backoff.delay(now: now, random: .random(in: 0...1))))
            }
        }
    }

    /// The new lines a chunk completes: split, parsed and checked in place on its bytes.
    private static func lines(of chunk: [UInt8], splitter: inout LineSplitter, resume: inout LogResume,
        restartCount: Int) throws -> [LogLine]
    {
        var batch: [LogLine] = []
        let tooLong = splitter.forEachLine(in: chunk) { raw in
            guard let line = LogLine.parse(raw, restartCount: restartCount) else { return }
            if resume.accept(line) { batch.append(line) }
        }
        if let tooLong { throw tooLong }
        return batch
    }

    private func currentRestartCount() async throws -> Int {
        guard let pod = try? await api.get(Pod.self, namespace: namespace, name: pod) else { return 0 }
        return status(of: pod)?.restartCount ?? 0
    }

    private func status(of pod: Pod) -> ContainerStatus? {
        let all = pod.status.containerStatuses + pod.status.initContainerStatuses
        if let container { return all.first { $0.name == container } }
        return pod.status.containerStatuses.first
    }

    /// The stream ended cleanly: the container stopped, or the connection was closed.
    private func afterStreamEnded(restartCount: Int) async throws -> Next {
        let pod: Pod
        do {
            pod = try await api.get(Pod.self, namespace: namespace, name: self.pod)
        } catch let error as APIError where error.code == 404 {
            return .done
        }
        if pod.status.phase == .succeeded || pod.status.phase == .failed { return .done }
        guard let status = status(of: pod) else { return .retryLater("no status yet") }
        let state = status.json["state"] ?? .emptyObject
        if state["running"] != nil {
            // Still the same run (the connection was closed) or already the next one.
            return .reconnect
        }
        if state["terminated"] != nil {
            let policy = pod.spec.restartPolicy ?? "Always"
            let exitCode = state[path: ["terminated", "exitCode"]]?.int64Value ?? 0
            if policy == "Never" || (policy == "OnFailure" && exitCode == 0) { return .done }
        }
        return .retryLater("container restarting")
    }
}
