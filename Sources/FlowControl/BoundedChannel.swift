import DequeModule
import Synchronization

/// A single-consumer async sequence with a bounded buffer: demand flows back from the
/// consumer to whoever produces.
///
/// What `AsyncStream` does not do: its buffer grows without limit while the consumer is slow
/// (or drops), so a slow SQLite writer turns into memory upstream. Here the buffer has a high
/// water mark, by count or by a weight of each element (its bytes), and producers learn when
/// it is reached:
/// - async producers `send`, which suspends (without blocking a thread) until the consumer
///   has drained the buffer to the low water mark;
/// - a producer on a thread of its own (libcurl's callbacks) `offer`s, which never waits but
///   says when to stop, and asks `whenDrained` to be called back once it may go on — how a
///   transfer is paused (`CURLPAUSE_RECV`) and resumed.
///
/// The consumer's end is the sequence itself: when it and every iterator of it are gone, or
/// the consuming task is cancelled while waiting, the channel terminates — buffered elements
/// are dropped, waiting producers are released, and `onTermination` runs (to cancel the
/// transfer or task feeding it).
public struct BoundedChannel<Element: Sendable, Failure: Error>: AsyncSequence, Sendable {
    public typealias Weight = @Sendable (Element) -> Int

    let storage: Storage
    private let consumer: ConsumerLife

    /// A channel and its producing end. `highWater` is in weight units (one per element
    /// unless `weight` says otherwise); producers are told to wait at or above it and go on
    /// once the consumer has drained to `lowWater` (half of `highWater` by default).
    public static func make(highWater: Int, lowWater: Int? = nil, weight: Weight? = nil) -> (Self, Sender) {
        let high = Swift.max(1, highWater)
        let storage = Storage(high: high, low: Swift.min(high - 1, Swift.max(0, lowWater ?? high / 2)), weight: weight)
        return (BoundedChannel(storage: storage, consumer: ConsumerLife(storage)), Sender(storage: storage))
    }

    /// A channel fed by `body` in a task of its own: what `AsyncThrowingStream { … Task { … } }`
    /// is for, bounded. The task is cancelled when the consumer goes; the sequence ends when
    /// `body` returns, with its error when it throws.
    public static func producing(highWater: Int, lowWater: Int? = nil, weight: Weight? = nil,
        _ body: @escaping @Sendable (Sender) async throws(Failure) -> Void) -> Self
    {
        let (channel, sender) = make(highWater: highWater, lowWater: lowWater, weight: weight)
        let task = Task {
            do throws(Failure) {
                try await body(sender)
                sender.finish()
            } catch {
                sender.finish(throwing: error)
            }
        }
        sender.onTermination { task.cancel() }
        return channel
    }

    /// The weight waiting in the buffer now.
    public var level: Int { storage.state.withLock { $0.level } }

    public func makeAsyncIterator() -> Iterator { Iterator(storage: storage, consumer: consumer) }

    public struct Iterator: AsyncIteratorProtocol {
        let storage: Storage
        let consumer: ConsumerLife

        public mutating func next() async throws(Failure) -> Element? {
            try await storage.next()
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws(Failure) -> Element? {
            try await storage.next()
        }
    }

    /// The producing end. Any number of producers may share it.
    public struct Sender: Sendable {
        let storage: Storage

        /// Buffers `element`, then waits while the buffer is at or above its high water mark.
        /// Throws `CancellationError` when the consumer has gone (nothing is buffered then)
        /// or this task is cancelled while waiting (the element stays buffered).
        public func send(_ element: Element) async throws(CancellationError) {
            try await storage.send(element)
        }

        /// Buffers `element` without waiting; `false` when the producer should stop until
        /// `whenDrained` calls back (the buffer reached its high water mark), or for good
        /// (the consumer has gone: the element was dropped, and `isTerminated` says so).
        public func offer(_ element: Element) -> Bool {
            storage.offer(element)
        }

        /// Calls `resume` once the buffer has drained to the low water mark or the consumer
        /// has gone — at once when that is already so. From the consumer's thread: keep it short.
        public func whenDrained(_ resume: @escaping @Sendable () -> Void) {
            storage.whenDrained(resume)
        }

        /// No more elements: the consumer reads what is buffered, then the end (or `error`).
        /// Later calls do nothing.
        public func finish(throwing error: Failure? = nil) {
            storage.finish(error)
        }

        /// Runs `action` once when the consumer goes before the end was read (at once if it
        /// already has).
        public func onTermination(_ action: @escaping @Sendable () -> Void) {
            storage.onTermination(action)
        }

        /// Whether the consumer has gone.
        public var isTerminated: Bool { storage.state.withLock { $0.terminated } }
    }

    /// Terminates the channel when the last consumer-side value goes.
    final class ConsumerLife: Sendable {
        let storage: Storage
        init(_ storage: Storage) { self.storage = storage }
        deinit { storage.terminate() }
    }

    final class Storage: Sendable {
        struct State: ~Copyable {
            var buffer = Deque<Element>()
            var level = 0
            var end: Result<Void, Failure>?
            var terminated = false
            var consumer: CheckedContinuation<Result<Element?, Failure>, Never>?
            var senders: [UInt64: CheckedContinuation<Result<Void, CancellationError>, Never>] = [:]
            var nextSender: UInt64 = 0
            var drained: [@Sendable () -> Void] = []
            var termination: [@Sendable () -> Void] = []
        }

        let high: Int
        let low: Int
        let weight: Weight?
        let state = Mutex(State())

        init(high: Int, low: Int, weight: Weight?) {
            self.high = high
            self.low = low
            self.weight = weight
        }

        private func weigh(_ element: Element) -> Int { weight.map { Swift.max(0, $0(element)) } ?? 1 }

        // MARK: Producers

        /// Hands `element` to a waiting consumer or buffers it; `nil` when terminated, else
        /// whether the producer may go on.
        private func enqueue(_ element: Element, into state: inout State) -> (accepted: Bool, more: Bool,
            handOff: CheckedContinuation<Result<Element?, Failure>, Never>?)
        {
            guard !state.terminated, state.end == nil else { return (false, false, nil) }
            if let consumer = state.consumer {
                state.consumer = nil
                return (true, true, consumer)
            }
            state.buffer.append(element)
            state.level += weigh(element)
            return (true, state.level < high, nil)
        }

        func offer(_ element: Element) -> Bool {
            let (accepted, more, handOff) = state.withLock { enqueue(element, into: &$0) }
            handOff?.resume(returning: .success(element))
            return accepted && more
        }

        func send(_ element: Element) async throws(CancellationError) {
            let (accepted, more, handOff) = state.withLock { enqueue(element, into: &$0) }
            handOff?.resume(returning: .success(element))
            guard accepted else { throw CancellationError() }
            if more { return }
            let id = state.withLock { state in
                defer { state.nextSender &+= 1 }
                return state.nextSender
            }
            let outcome: Result<Void, CancellationError> = await withTaskCancellationHandler {
                await withCheckedContinuation { (waiter: CheckedContinuation<Result<Void, CancellationError>, Never>) in
                    let ready: Result<Void, CancellationError>? = state.withLock { state in
                        if state.terminated || Task.isCancelled { return .failure(CancellationError()) }
                        if state.level <= low || state.end != nil { return .success(()) }
                        state.senders[id] = waiter
                        return nil
                    }
                    if let ready { waiter.resume(returning: ready) }
                }
            } onCancel: {
                let waiter = state.withLock { $0.senders.removeValue(forKey: id) }
                waiter?.resume(returning: .failure(CancellationError()))
            }
            try outcome.get()
        }

        func whenDrained(_ resume: @escaping @Sendable () -> Void) {
            let now = state.withLock { state -> Bool in
                if state.terminated || state.level <= low || state.end != nil { return true }
                state.drained.append(resume)
                return false
            }
            if now { resume() }
        }

        func finish(_ error: Failure?) {
            let consumer = state.withLock { state -> CheckedContinuation<Result<Element?, Failure>, Never>? in
                guard state.end == nil, !state.terminated else { return nil }
                guard let consumer = state.consumer else {
                    state.end = error.map { .failure($0) } ?? .success(())
                    return nil
                }
                // The buffer is empty whenever the consumer waits: it takes the end now.
                state.consumer = nil
                state.end = .success(())
                return consumer
            }
            consumer?.resume(returning: error.map { .failure($0) } ?? .success(nil))
        }

        func onTermination(_ action: @escaping @Sendable () -> Void) {
            let now = state.withLock { state -> Bool in
                if state.terminated { return true }
                state.termination.append(action)
                return false
            }
            if now { action() }
        }

        // MARK: The consumer

        func next() async throws(Failure) -> Element? {
            let result: Result<Element?, Failure> = await withTaskCancellationHandler {
                await withCheckedContinuation { (waiter: CheckedContinuation<Result<Element?, Failure>, Never>) in
                    let (ready, released) = state.withLock { state -> (Result<Element?, Failure>?, Released) in
                        if let element = state.buffer.popFirst() {
                            state.level -= weigh(element)
                            return (.success(element), releaseIfDrained(&state))
                        }
                        if state.terminated { return (.success(nil), Released()) }
                        if let end = state.end {
                            state.end = .success(())  // an error is thrown once; then the end
                            return (end.map { nil }, Released())
                        }
                        if Task.isCancelled {
                            return (.success(nil), terminate(&state))
                        }
                        state.consumer = waiter
                        return (nil, Released())
                    }
                    released.run()
                    if let ready { waiter.resume(returning: ready) }
                }
            } onCancel: {
                let (waiter, released) = state.withLock { state in
                    let waiter = state.consumer
                    state.consumer = nil
                    return (waiter, terminate(&state))
                }
                released.run()
                waiter?.resume(returning: .success(nil))
            }
            return try result.get()
        }

        func terminate() {
            let (waiter, released) = state.withLock { state in
                let waiter = state.consumer
                state.consumer = nil
                return (waiter, terminate(&state))
            }
            released.run()
            waiter?.resume(returning: .success(nil))
        }

        /// Who to wake, collected under the lock and woken outside it.
        struct Released {
            var senders: [CheckedContinuation<Result<Void, CancellationError>, Never>] = []
            var callbacks: [@Sendable () -> Void] = []
            var cancelled = false

            func run() {
                for sender in senders {
                    sender.resume(returning: cancelled ? .failure(CancellationError()) : .success(()))
                }
                for callback in callbacks { callback() }
            }
        }

        private func releaseIfDrained(_ state: inout State) -> Released {
            guard state.level <= low, !(state.senders.isEmpty && state.drained.isEmpty) else { return Released() }
            defer {
                state.senders = [:]
                state.drained = []
            }
            return Released(senders: Array(state.senders.values), callbacks: state.drained)
        }

        private func terminate(_ state: inout State) -> Released {
            guard !state.terminated else { return Released() }
            state.terminated = true
            state.buffer = []
            state.level = 0
            let finishedNormally = state.end != nil
            defer {
                state.senders = [:]
                state.drained = []
                state.termination = []
            }
            return Released(senders: Array(state.senders.values),
                callbacks: state.drained + (finishedNormally ? [] : state.termination), cancelled: true)
        }
    }
}
