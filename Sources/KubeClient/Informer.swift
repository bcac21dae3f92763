import FlightdeckCore
import FlowControl
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

    /// Events waiting for a slow consumer before the informer stops reading its watch.
    public static let eventsBuffered = 1_024

    /// Starts the loop; it runs until the consumer stops iterating. A consumer that falls
    /// behind holds the loop, which holds the watch's reading (nothing grows in between).
    public func events() -> BoundedChannel<Event, Never> {
        .producing(highWater: Self.eventsBuffered) { output in
            await self.run(output)
        }
    }

    private func run(_ output: BoundedChannel<Event, Never>.Sender) async {
        let (inputs, input) = BoundedChannel<Input, Never>.make(highWater: KubeAPI.watchEventsBuffered)
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

        /// Hands `event` on; false once the consumer has gone.
        func emit(_ event: Event) async -> Bool {
            do {
                try await output.send(event)
                return true
            } catch {
                return false
            }
        }

        func apply(_ step: Reflector.Step) async -> Bool {
            for delta in step.deltas {
                guard await emit(.delta(delta)) else { return false }
            }
            for effect in step.effects {
                switch effect {
                case .list:
                    let api = self.api, type = self.type, namespace = self.namespace, selector = self.selector
                    Task {
                        do {
                            let result = try await api.listAll(type, namespace: namespace, options: selector)
                            try? await input.send(.listed(result.items, result.resourceVersion))
                        } catch {
                            try? await input.send(.listFailed("\(error)"))
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
                            for try await event in stream { try await input.send(.event(event, generation: current)) }
                            try await input.send(.watchEnded(failed: false, reason: "", generation: current))
                        } catch is CancellationError {
                            return
                        } catch {
                            try? await input.send(.watchEnded(failed: true, reason: "\(error)", generation: current))
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
                    if !Task.isCancelled { try? await input.send(.tick) }
                }
            }
            return true
        }

        func report(_ state: ConnectionState) async -> Bool {
            switch state {
            case .connected where !connected:
                connected = true
                return await emit(.connection(.connected))
            case .retrying:
                connected = false
                return await emit(.connection(state))
            default:
                return true
            }
        }

        func retryState(_ reason: String) -> ConnectionState {
            let at = reflector.nextDeadline.map { Date().addingTimeInterval(max(0, $0 - now())) } ?? Date()
            return .retrying(at: at, reason: reason)
        }

        guard await apply(reflector.start()) else { return }
        for await next in inputs {
            if Task.isCancelled { break }
            var going = true
            switch next {
            case .listed(let items, let version):
                going = await apply(reflector.listed(items: items, resourceVersion: version, now: now(),
                    random: .random(in: 0...1)))
                if going, reflector.resourceVersion == version {
                    going = await emit(.synced(resourceVersion: version))
                    if going { going = await report(.connected) }
                }
            case .listFailed(let reason):
                going = await apply(reflector.listFailed(now: now(), random: .random(in: 0...1)))
                if going { going = await report(retryState(reason)) }
            case .event(let event, let from):
                guard from == generation else { continue }
                going = await apply(reflector.received(event, now: now(), random: .random(in: 0...1)))
            case .watchEnded(let failed, let reason, let from):
                guard from == generation else { continue }
                going = await apply(reflector.watchEnded(failed: failed, now: now(), random: .random(in: 0...1)))
                if going, failed { going = await report(retryState(reason)) }
            case .tick:
                going = await apply(reflector.tick(now: now()))
            }
            if !going { break }
        }
    }
}
