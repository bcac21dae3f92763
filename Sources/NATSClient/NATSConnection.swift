import FlightdeckCore
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A NATS client connection that stays up: it connects, authenticates (user/password, token,
/// or a user JWT whose key signs the server's nonce), keeps subscriptions across reconnects, answers the server's PINGs and sends its
/// own — a link that stops answering them is dropped and replaced — and reconnects with
/// backoff for as long as it is not closed.
///
/// Publishes made while disconnected wait in a bounded buffer and go out on the next
/// connection (core NATS is at most once; JetStream's acks are what make delivery reliable).
public final class NATSConnection: Sendable {
    public struct Options: Sendable {
        public var servers: [NATSServerAddress]
        public var user: String?
        public var password: String?
        public var token: String?
        /// For servers in JWT mode: called on every connection with the server's nonce, it
        /// returns the user's JWT and the nonce signed with the user's key (so credentials
        /// can be minted afresh for each connection). A server that sends no nonce is refused.
        public var credentials: (@Sendable (_ nonce: String) throws -> NATSUserProof)?
        /// Where replies come back (`request`, pulls): a restricted user may subscribe only
        /// under its own prefix.
        public var inboxPrefix: String
        /// Shown by the server (`connz`): which cockpit this is.
        public var name: String
        public var pingInterval: Duration
        /// PINGs without a PONG before the link counts as dead.
        public var maxPingsOut: Int
        public var reconnectWait: Duration
        public var maxReconnectWait: Duration
        public var connectTimeout: Duration
        /// Outgoing operations kept while disconnected.
        public var pendingLimit: Int

        public init(servers: [NATSServerAddress], user: String? = nil, password: String? = nil, token: String? = nil,
            credentials: (@Sendable (_ nonce: String) throws -> NATSUserProof)? = nil, inboxPrefix: String = "_INBOX",
            name: String = "flightdeck", pingInterval: Duration = .seconds(20), maxPingsOut: Int = 2,
            reconnectWait: Duration = .milliseconds(250), maxReconnectWait: Duration = .seconds(5),
            connectTimeout: Duration = .seconds(5), pendingLimit: Int = 65_536)
        {
            self.servers = servers
            self.user = user
            self.password = password
            self.token = token
            self.credentials = credentials
            self.inboxPrefix = inboxPrefix
            self.name = name
            self.pingInterval = pingInterval
            self.maxPingsOut = maxPingsOut
            self.reconnectWait = reconnectWait
            self.maxReconnectWait = maxReconnectWait
            self.connectTimeout = connectTimeout
            self.pendingLimit = pendingLimit
        }
    }

    public enum State: Sendable, Hashable {
        case connecting
        case connected(server: String)
        /// The link dropped or could not be made; the next attempt is at `retryAt`.
        case reconnecting(reason: String, retryAt: Date)
        case closed
    }

    struct Subscription {
        var subject: String
        var queue: String?
        var continuation: AsyncStream<NATSMessage>.Continuation?
        /// For `subscribeBatches`: the messages of one socket read, handed over together.
        var batches: AsyncStream<[NATSMessage]>.Continuation?

        func finish() {
            continuation?.finish()
            batches?.finish()
        }
    }

    /// One queued operation. SUB/UNSUB are kept apart from data: after a reconnect the
    /// subscription registry is the truth and stale ones are dropped.
    struct Outgoing {
        enum Kind { case data, subscription }
        var kind: Kind
        var bytes: [UInt8]
    }

    struct Core {
        var subscriptions: [String: Subscription] = [:]
        var nextSID = 1
        /// Operations waiting to be written, oldest first.
        var pending: [Outgoing] = []
        /// A connection is up and has its subscriptions (new SUBs go straight to it).
        var linkUp = false
        /// Wakes the current connection's writer.
        var wake: AsyncStream<Void>.Continuation?
        /// Waiters for PONGs of our flush PINGs, in order.
        var pongWaiters: [CheckedContinuation<Void, any Error>] = []
        var pingsOut = 0
        var maxPayload = 1 << 20
        var closed = false
        var state = State.connecting
        var stateListeners: [Int: AsyncStream<State>.Continuation] = [:]
        var errorListeners: [Int: AsyncStream<String>.Continuation] = [:]
        var nextListener = 0
    }

    public let options: Options
    let core = Mutex(Core())
    private let runner = Mutex<Task<Void, Never>?>(nil)

    public init(options: Options) {
        self.options = options
    }

    /// Starts connecting (and reconnecting) in the background.
    public func start() {
        runner.withLock { task in
            guard task == nil else { return }
            task = Task { await self.run() }
        }
    }

    /// Connects and waits until the first connection is up, or throws why it could not be
    /// made within `timeout` (the connection keeps trying in the background).
    public func connect(timeout: Duration = .seconds(10)) async throws {
        let states = self.states()
        start()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var last = "no answer"
                for await state in states {
                    switch state {
                    case .connected: return
                    case .reconnecting(let reason, _): last = reason
                    case .closed: throw NATSError.closed
                    case .connecting: continue
                    }
                    if case .refused = Self.classify(last) {
                        // `last` is "<server>: <what it said>": the server that refused, and its words.
                        let refusing = self.options.servers.map(\.description).first { last.hasPrefix($0 + ": ") }
                        throw NATSError.refused(server: refusing ?? self.serverList,
                            message: refusing.map { String(last.dropFirst($0.count + 2)) } ?? last)
                    }
                }
                throw NATSError.closed
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                if case .reconnecting(let reason, _) = self.state {
                    throw NATSError.timeout("a connection to \(self.serverList) (last attempt: \(reason))")
                }
                throw NATSError.timeout("a connection to \(self.serverList)")
            }
            try await group.next()
            group.cancelAll()
        }
    }

    var serverList: String { options.servers.map(\.description).joined(separator: ", ") }

    /// The connection's states as they change (the current one first).
    public func states() -> AsyncStream<State> {
        let (stream, continuation) = AsyncStream<State>.makeStream(bufferingPolicy: .bufferingNewest(16))
        let id = core.withLock { core in
            let id = core.nextListener
            core.nextListener += 1
            core.stateListeners[id] = continuation
            continuation.yield(core.state)
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.core.withLock { $0.stateListeners.removeValue(forKey: id) }
        }
        return stream
    }

    public var state: State { core.withLock { $0.state } }

    /// The server's `-ERR` messages from now on, as it words them — among them the
    /// permission violations that leave the connection up (`Permissions Violation for
    /// Publish to "…"`), which nothing else reports.
    public func serverErrors() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let id = core.withLock { core in
            let id = core.nextListener
            core.nextListener += 1
            core.errorListeners[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.core.withLock { $0.errorListeners.removeValue(forKey: id) }
        }
        return stream
    }

    func reportServerError(_ message: String) {
        core.withLock { core in
            for listener in core.errorListeners.values { listener.yield(message) }
        }
    }

    /// Stops for good: subscriptions end, waiters fail.
    public func close() async {
        let task = runner.withLock { $0 }
        let (waiters, subscriptions, errorListeners) = core.withLock { core in
            core.closed = true
            defer {
                core.subscriptions = [:]
                core.pongWaiters = []
                core.errorListeners = [:]
            }
            core.wake?.finish()
            return (core.pongWaiters, Array(core.subscriptions.values), Array(core.errorListeners.values))
        }
        for subscription in subscriptions { subscription.finish() }
        for listener in errorListeners { listener.finish() }
        for waiter in waiters { waiter.resume(throwing: NATSError.closed) }
        task?.cancel()
        await task?.value
        setState(.closed)
    }

    // MARK: - Operations

    /// Queues a message for `subject` (with headers, `HPUB`).
    public func publish(_ subject: String, payload: [UInt8], headers: NATSHeaders? = nil, replyTo: String? = nil) throws {
        guard Self.isValidSubject(subject, wildcards: false) else { throw NATSError.invalidSubject(subject) }
        if let replyTo, !Self.isValidSubject(replyTo, wildcards: false) { throw NATSError.invalidSubject(replyTo) }
        var line: [UInt8]
        let reply = replyTo.map { " " + $0 } ?? ""
        if let headers {
            let head = headers.bytes
            line = Array("HPUB \(subject)\(reply) \(head.count) \(head.count + payload.count)\r\n".utf8) + head
        } else {
            line = Array("PUB \(subject)\(reply) \(payload.count)\r\n".utf8)
        }
        line += payload
        line += [13, 10]
        try enqueue(line)
    }

    /// Subscribes; the subscription is renewed on every reconnect.
    public func subscribe(_ subject: String, queue: String? = nil, bufferSize: Int = 65_536) throws -> NATSSubscription {
        guard Self.isValidSubject(subject, wildcards: true) else { throw NATSError.invalidSubject(subject) }
        let (stream, continuation) = AsyncStream<NATSMessage>.makeStream(bufferingPolicy: .bufferingOldest(bufferSize))
        let sid = try core.withLock { core throws(NATSError) -> String in
            guard !core.closed else { throw NATSError.closed }
            let sid = String(core.nextSID)
            core.nextSID += 1
            core.subscriptions[sid] = Subscription(subject: subject, queue: queue, continuation: continuation)
            if core.linkUp {
                core.pending.append(Outgoing(kind: .subscription, bytes: Self.subLine(subject: subject, queue: queue, sid: sid)))
                core.wake?.yield()
            }
            return sid
        }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(sid) }
        return NATSSubscription(sid: sid, subject: subject, stream: stream) { [weak self] in self?.unsubscribe(sid) }
    }

    /// Subscribes, receiving the messages of each socket read as one array: far less
    /// hand-off per message than `subscribe` when thousands arrive at once (a JetStream
    /// pull). `bufferSize` counts arrays; the caller bounds what it asks the server for.
    public func subscribeBatches(_ subject: String, bufferSize: Int = 4_096) throws -> AsyncStream<[NATSMessage]> {
        guard Self.isValidSubject(subject, wildcards: true) else { throw NATSError.invalidSubject(subject) }
        let (stream, continuation) = AsyncStream<[NATSMessage]>.makeStream(bufferingPolicy: .bufferingOldest(bufferSize))
        let sid = try core.withLock { core throws(NATSError) -> String in
            guard !core.closed else { throw NATSError.closed }
            let sid = String(core.nextSID)
            core.nextSID += 1
            core.subscriptions[sid] = Subscription(subject: subject, queue: nil, continuation: nil, batches: continuation)
            if core.linkUp {
                core.pending.append(Outgoing(kind: .subscription, bytes: Self.subLine(subject: subject, queue: nil, sid: sid)))
                core.wake?.yield()
            }
            return sid
        }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(sid) }
        return stream
    }

    /// Queues several messages at once, as one write (one buffer, one lock, one wake-up):
    /// how acks go out, a thousand at a time.
    public func publish(_ messages: [(subject: String, payload: [UInt8])]) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(messages.reduce(0) { $0 + $1.subject.utf8.count + $1.payload.count + 16 })
        for (subject, payload) in messages {
            guard Self.isValidSubject(subject, wildcards: false) else { throw NATSError.invalidSubject(subject) }
            bytes += [UInt8(ascii: "P"), UInt8(ascii: "U"), UInt8(ascii: "B"), 32]
            bytes += subject.utf8
            bytes.append(32)
            bytes += String(payload.count).utf8
            bytes += [13, 10]
            bytes += payload
            bytes += [13, 10]
        }
        if bytes.isEmpty { return }
        try enqueue(bytes)
    }

    /// Returns once the server has processed everything sent before (a PING/PONG round trip).
    public func flush(timeout: Duration = .seconds(10)) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await withCheckedThrowingContinuation { (waiter: CheckedContinuation<Void, any Error>) in
                    let accepted = self.core.withLock { core -> Bool in
                        guard !core.closed else { return false }
                        core.pongWaiters.append(waiter)
                        core.pending.append(Outgoing(kind: .data, bytes: Array("PING\r\n".utf8)))
                        core.wake?.yield()
                        return true
                    }
                    if !accepted { waiter.resume(throwing: NATSError.closed) }
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw NATSError.timeout("the NATS server to answer a PING")
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Publishes `payload` and waits for the first reply (JetStream's API is request/reply).
    public func request(_ subject: String, payload: [UInt8], headers: NATSHeaders? = nil,
        timeout: Duration = .seconds(5)) async throws -> NATSMessage
    {
        let inbox = newInbox()
        let subscription = try subscribe(inbox)
        defer { subscription.unsubscribe() }
        try publish(subject, payload: payload, headers: headers, replyTo: inbox)
        let reply = try await withThrowingTaskGroup(of: NATSMessage?.self) { group in
            group.addTask {
                for await message in subscription { return message }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw NATSError.timeout("a reply on \(subject)")
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let reply else { throw NATSError.closed }
        if reply.headers?.statusCode == 503 { throw NATSError.noResponders(subject: subject) }
        return reply
    }

    // MARK: - Internals

    func enqueue(_ line: [UInt8]) throws {
        try core.withLock { core throws(NATSError) in
            guard !core.closed else { throw NATSError.closed }
            guard core.pending.count < options.pendingLimit else { throw NATSError.bufferFull }
            core.pending.append(Outgoing(kind: .data, bytes: line))
            core.wake?.yield()
        }
    }

    private func unsubscribe(_ sid: String) {
        // Finishing a stream runs its termination handler, which calls back here: never
        // while holding the lock.
        let removed = core.withLock { core -> Subscription? in
            guard let subscription = core.subscriptions.removeValue(forKey: sid) else { return nil }
            if !core.closed, core.linkUp {
                core.pending.append(Outgoing(kind: .subscription, bytes: Array("UNSUB \(sid)\r\n".utf8)))
                core.wake?.yield()
            }
            return subscription
        }
        removed?.finish()
    }

    static func subLine(subject: String, queue: String?, sid: String) -> [UInt8] {
        Array("SUB \(subject)\(queue.map { " " + $0 } ?? "") \(sid)\r\n".utf8)
    }

    func setState(_ state: State) {
        core.withLock { core in
            if core.state == .closed { return }
            core.state = state
            for listener in core.stateListeners.values { listener.yield(state) }
        }
    }

    /// Subjects are dot-separated tokens without whitespace or control characters; `*` and
    /// `>` only as whole tokens (and only when subscribing). One pass over the bytes: every
    /// ack goes through here, thousands a second.
    public static func isValidSubject(_ subject: String, wildcards: Bool) -> Bool {
        var subject = subject
        return subject.withUTF8 { bytes in
            guard !bytes.isEmpty, bytes.count <= 4096 else { return false }
            var tokenStart = 0
            var wildcard = false  // the current token holds `*` or `>`
            var ascii = true
            for index in 0..<bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "."):
                    guard index > tokenStart, !wildcard || index - tokenStart == 1 else { return false }
                    if wildcard, bytes[tokenStart] == UInt8(ascii: ">") { return false }  // `>` only last
                    tokenStart = index + 1
                    wildcard = false
                case UInt8(ascii: "*"), UInt8(ascii: ">"):
                    guard wildcards else { return false }
                    wildcard = true
                case 0...0x20, 0x7F:
                    return false
                case 0x80...:
                    ascii = false
                default:
                    break
                }
            }
            guard tokenStart < bytes.count, !wildcard || bytes.count - tokenStart == 1 else { return false }
            if ascii { return true }
            // Rare: non-ASCII tokens may still hold Unicode whitespace or C1 controls.
            return !String(decoding: bytes, as: UTF8.self).unicodeScalars.contains {
                $0.properties.isWhitespace || $0.properties.generalCategory == .control
            }
        }
    }

    /// A fresh reply subject under the connection's inbox prefix.
    public func newInbox() -> String { options.inboxPrefix + "." + Self.randomToken() }

    static func randomToken() -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        return String((0..<22).map { _ in alphabet.randomElement()! })
    }

    enum FailureKind { case refused, transient }

    static func classify(_ reason: String) -> FailureKind {
        let lowered = reason.lowercased()
        return lowered.contains("authorization") || lowered.contains("authentication") || lowered.contains("permissions")
            || lowered.contains("jwt mode") || lowered.contains("expired")
            ? .refused : .transient
    }
}
