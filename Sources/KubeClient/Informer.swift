import FlightdeckCore
import Foundation
import KubeModel

/// Runs a `Reflector` against the API: lists, watches, reconnects, relists — and delivers
/// what consumers need: the changes, the moment the cache first holds the whole
/// collection, and the connection's state (for the status bar's "reconnecting in 4 s").
///
/// All decisions are the reflector's (pure, tested on its own); this type only carries out
/// its effects with real requests and feeds back what happened, one input at a time.
public final class Informer: Sendable {
    public enum Event: Sendable, Hashable {
        case delta(Reflector.Delta)
        /// The cache holds the whole collection (after every successful list).
        case synced(resourceVersion: String)
        case connection(ConnectionState)
    }

    public enum ConnectionState: Sendable, Hashable {
        case connected
        /// A list or watch failed; the next attempt is at this time.
        case retrying(at: Date, reason: String)
    }

    public let api: KubeAPI
    public let type: ResourceType
    public let namespace: String?
    public let selector: ListOptions
    private let backoff: Backoff
    private let silenceTimeout: Double
    /// How long each watch asks the server to keep it open (client-go picks 5–10 minutes).
    private let watchTimeout: ClosedRange<Int64>

    public init(api: KubeAPI, type: ResourceType, namespace: String? = nil, labelSelector: String? = nil,
        fieldSelector: String? = nil, backoff: Backoff = Backoff(), silenceTimeout: Double = 15,
        watchTimeout: ClosedRange<Int64> = 300...600)
    {
        self.api = api
        self.type = type
        self.namespace = namespace
        selector = ListOptions(labelSelector: labelSelector, fieldSelector: fieldSelector)
        self.backoff = backoff
        self.silenceTimeout = silenceTimeout
        self.watchTimeout = watchTimeout
    }

    private enum Input: Sendable {
        case listed([JSONValue], String)
        case listFailed(String)
        case event(WatchEvent, generation: Int)
        case watchEnded(failed: Bool, reason: String, generation: Int)
        case tick
    }

    /// Starts the loop; it runs until the consumer stops iterating.
    public func events() -> AsyncStream<Event> {
        AsyncStream { output in
            let task = Task { await self.run(output) }
            output.onTermination = { _ in task.cancel() }
        }
    }

    private func run(_ output: AsyncStream<Event>.Continuation) async {
        let (inputs, input) = AsyncStream<Input>.makeStream()
        let clock = ContinuousClock()
        let origin = clock.now
        func now() -> Double { (clock.now - origin).seconds }
        var reflector = Reflector(backoff: backoff, silenceTimeout: silenceTimeout)
        var watchTask: Task<Void, Never>?
        var timerTask: Task<Void, Never>?
        var generation = 0
        var connected = false
        defer {
            watchTask?.cancel()
            timerTask?.cancel()
            input.finish()
        }

        func apply(_ step: Reflector.Step) {
            for delta in step.deltas { output.yield(.delta(delta)) }
            for effect in step.effects {
                switch effect {
                case .list:
                    let api = self.api, type = self.type, namespace = self.namespace, selector = self.selector
                    Task {
                        do {
                            let result = try await api.listAll(type, namespace: namespace, options: selector)
                            input.yield(.listed(result.items, result.resourceVersion))
                        } catch {
                            input.yield(.listFailed("\(error)"))
                        }
                    }
                case .watch(let version):
                    watchTask?.cancel()
                    generation += 1
                    let current = generation
                    var options = selector
                    options.resourceVersion = version
                    options.allowWatchBookmarks = true
                    options.timeoutSeconds = Int64.random(in: watchTimeout)
                    let stream = api.watch(type, namespace: namespace, options: options)
                    watchTask = Task {
                        do {
                            for try await event in stream { input.yield(.event(event, generation: current)) }
                            input.yield(.watchEnded(failed: false, reason: "", generation: current))
                        } catch {
                            input.yield(.watchEnded(failed: true, reason: "\(error)", generation: current))
                        }
                    }
                case .cancelWatch:
                    watchTask?.cancel()
                    watchTask = nil
                    generation += 1
                }
            }
            // Re-arm the timer for the reflector's next deadline.
            timerTask?.cancel()
            if let deadline = reflector.nextDeadline {
                let wait = max(0, deadline - now())
                timerTask = Task {
                    try? await Task.sleep(for: .seconds(wait))
                    if !Task.isCancelled { input.yield(.tick) }
                }
            }
        }

        func report(_ state: ConnectionState) {
            switch state {
            case .connected where !connected:
                connected = true
                output.yield(.connection(.connected))
            case .retrying:
                connected = false
                output.yield(.connection(state))
            default: break
            }
        }

        func retryState(_ reason: String) -> ConnectionState {
            let at = reflector.nextDeadline.map { Date().addingTimeInterval(max(0, $0 - now())) } ?? Date()
            return .retrying(at: at, reason: reason)
        }

        apply(reflector.start())
        for await next in inputs {
            if Task.isCancelled { break }
            switch next {
            case .listed(let items, let version):
                apply(reflector.listed(items: items, resourceVersion: version, now: now(), random: .random(in: 0...1)))
                if reflector.resourceVersion == version {
                    output.yield(.synced(resourceVersion: version))
                    report(.connected)
                }
            case .listFailed(let reason):
                apply(reflector.listFailed(now: now(), random: .random(in: 0...1)))
                report(retryState(reason))
            case .event(let event, let from):
                guard from == generation else { continue }
                apply(reflector.received(event, now: now(), random: .random(in: 0...1)))
            case .watchEnded(let failed, let reason, let from):
                guard from == generation else { continue }
                apply(reflector.watchEnded(failed: failed, now: now(), random: .random(in: 0...1)))
                if failed { report(retryState(reason)) }
            case .tick:
                apply(reflector.tick(now: now()))
            }
        }
        output.finish()
    }
}
