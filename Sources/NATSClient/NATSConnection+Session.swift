import FlightdeckCore
import Foundation
import NIOCore
import NIOPosix

extension NATSConnection {
    /// Connects, runs a session until the link drops, and again after a backoff, until
    /// closed.
    func run() async {
        var attempt = 0
        var serverIndex = 0
        setState(.connecting)
        while !Task.isCancelled, !core.withLock({ $0.closed }) {
            let server = options.servers[serverIndex % max(1, options.servers.count)]
            var reason: String
            do {
                try await session(server) { attempt = 0 }
                reason = "the server closed the connection"
            } catch NATSError.refused(_, let message) {
                // The server is named once, below: not again inside the reason.
                reason = message
            } catch {
                reason = "\(error)"
            }
            let waiters = core.withLock { core -> [CheckedContinuation<Void, any Error>] in
                core.linkUp = false
                core.wake = nil
                defer { core.pongWaiters = [] }
                return core.pongWaiters
            }
            for waiter in waiters { waiter.resume(throwing: NATSError.timeout("a PONG (the connection dropped)")) }
            if Task.isCancelled || core.withLock({ $0.closed }) { break }
            attempt += 1
            serverIndex += 1
            let base = options.reconnectWait * (1 << min(attempt - 1, 16))
            let wait = min(options.maxReconnectWait, base) * Double.random(in: 0.75...1.25)
            let seconds = Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18
            setState(.reconnecting(reason: "\(server): \(reason)", retryAt: Date().addingTimeInterval(seconds)))
            try? await Task.sleep(for: wait)
        }
    }

    /// One connection's life: handshake, then reading, writing and keep-alive until it ends.
    private func session(_ server: NATSServerAddress, established: () -> Void) async throws {
        let timeout = options.connectTimeout
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.nanoseconds(timeout.components.seconds * 1_000_000_000
                + timeout.components.attoseconds / 1_000_000_000))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: server.host, port: server.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var parser = NATSParser()
            var iterator = inbound.makeAsyncIterator()

            // The server speaks first.
            var info: JSONValue?
            var early: [NATSFrame] = []
            while info == nil {
                guard let buffer = try await iterator.next() else { throw NATSError.closed }
                for frame in try parser.push(buffer.readableBytesView) {
                    if case .info(let text) = frame, info == nil {
                        info = (try? JSONParser(maxDepth: 32).parse(Array(text.utf8))) ?? .emptyObject
                    } else {
                        early.append(frame)
                    }
                }
            }
            if let limit = info?["max_payload"]?.int64Value, limit > 0 {
                parser.maxPayload = Int(limit)
                core.withLock { $0.maxPayload = Int(limit) }
            }
            try await outbound.write(ByteBuffer(bytes: try connectLine(server, nonce: info?["nonce"]?.stringValue)
                + Array("PING\r\n".utf8)))

            // Authenticated when the PING is answered.
            var handshakeDone = false
            func handshake(_ frames: [NATSFrame]) throws -> Bool {
                for frame in frames {
                    switch frame {
                    case .pong: return true
                    case .error(let message):
                        reportServerError(message)
                        throw NATSError.refused(server: server.description, message: message)
                    default: continue
                    }
                }
                return false
            }
            handshakeDone = try handshake(early)
            while !handshakeDone {
                guard let buffer = try await iterator.next() else { throw NATSError.closed }
                handshakeDone = try handshake(try parser.push(buffer.readableBytesView))
            }

            // Up: the registry's subscriptions first, then whatever waited.
            let (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
            let subscriptions = core.withLock { core -> [UInt8] in
                core.pending.removeAll { $0.kind == .subscription }
                core.linkUp = true
                core.wake = wake
                core.pingsOut = 0
                var lines: [UInt8] = []
                for (sid, subscription) in core.subscriptions.sorted(by: { $0.key < $1.key }) {
                    lines += Self.subLine(subject: subscription.subject, queue: subscription.queue, sid: sid)
                }
                return lines
            }
            if !subscriptions.isEmpty { try await outbound.write(ByteBuffer(bytes: subscriptions)) }
            established()
            setState(.connected(server: server.description))

            try await withThrowingTaskGroup(of: Void.self) { group in
                // Writer: drains the queue in batches.
                group.addTask {
                    wake.yield()
                    for await _ in wakes {
                        let batch = self.core.withLock { core -> [UInt8] in
                            defer { core.pending.removeAll(keepingCapacity: true) }
                            return core.pending.reduce(into: [UInt8]()) { $0 += $1.bytes }
                        }
                        if !batch.isEmpty { try await outbound.write(ByteBuffer(bytes: batch)) }
                    }
                }
                // Keep-alive: a link that leaves PINGs unanswered is dead.
                group.addTask {
                    while true {
                        try await Task.sleep(for: self.options.pingInterval)
                        let stale = self.core.withLock { core -> Bool in
                            if core.pingsOut >= self.options.maxPingsOut { return true }
                            core.pingsOut += 1
                            core.pending.append(Outgoing(kind: .data, bytes: Array("PING\r\n".utf8)))
                            core.wake?.yield()
                            return false
                        }
                        if stale {
                            channel.channel.close(promise: nil)
                            throw NATSError.timeout("PONGs from \(server) (the link is stale)")
                        }
                    }
                }
                // Reader, here: it owns the iterator.
                do {
                    while let buffer = try await iterator.next() {
                        var messages: [NATSMessage] = []
                        for frame in try parser.push(buffer.readableBytesView) {
                            if case .message(let message) = frame { messages.append(message) } else { try handle(frame) }
                        }
                        if !messages.isEmpty { deliver(messages) }
                    }
                } catch {
                    group.cancelAll()
                    throw error
                }
                group.cancelAll()
            }
        }
    }

    /// Hands one read's messages to their subscriptions, under one lock.
    private func deliver(_ messages: [NATSMessage]) {
        core.withLock { core in
            var batches: [String: [NATSMessage]] = [:]
            for message in messages {
                guard let subscription = core.subscriptions[message.sid] else { continue }
                if let continuation = subscription.continuation {
                    continuation.yield(message)
                } else if subscription.batches != nil {
                    batches[message.sid, default: []].append(message)
                }
            }
            for (sid, batch) in batches { core.subscriptions[sid]?.batches?.yield(batch) }
        }
    }

    private func handle(_ frame: NATSFrame) throws {
        switch frame {
        case .message(let message):
            deliver([message])
        case .ping:
            core.withLock { core in
                core.pending.insert(Outgoing(kind: .data, bytes: Array("PONG\r\n".utf8)), at: 0)
                core.wake?.yield()
            }
        case .pong:
            let waiter = core.withLock { core -> CheckedContinuation<Void, any Error>? in
                core.pingsOut = 0
                return core.pongWaiters.isEmpty ? nil : core.pongWaiters.removeFirst()
            }
            waiter?.resume()
        case .error(let message):
            reportServerError(message)
            // The server closes the connection after most errors; those it does not close
            // for (a permissions violation on one subject) leave the link usable.
            if !message.lowercased().contains("permissions violation") {
                throw NATSError.refused(server: "the NATS server", message: message)
            }
        case .info, .ok:
            break
        }
    }

    private func connectLine(_ server: NATSServerAddress, nonce: String?) throws -> [UInt8] {
        var fields: [JSONValue.Member] = [
            .init("verbose", false), .init("pedantic", false), .init("tls_required", false),
            .init("name", .string(options.name)), .init("lang", "swift"), .init("version", "0.1.0"),
            .init("protocol", 1), .init("headers", true), .init("no_responders", true),
        ]
        if let user = server.user ?? options.user { fields.append(.init("user", .string(user))) }
        if let password = server.password ?? options.password { fields.append(.init("pass", .string(password))) }
        if let token = options.token { fields.append(.init("auth_token", .string(token))) }
        if let credentials = options.credentials {
            guard let nonce, !nonce.isEmpty else {
                throw NATSError.refused(server: server.description,
                    message: "the server is not in JWT mode (it asks for no signed nonce), so it cannot check credentials")
            }
            let proof = try credentials(nonce)
            fields.append(.init("jwt", .string(proof.jwt)))
            fields.append(.init("sig", .string(proof.signature)))
        }
        return Array("CONNECT \(JSONValue.object(fields).serialized)\r\n".utf8)
    }
}
