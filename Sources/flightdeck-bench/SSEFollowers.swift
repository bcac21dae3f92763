import Foundation
import Synchronization

/// `clients` connections that each follow `GET /api/stream/{job}` from the start, read on
/// `threads` threads of their own with poll(2) (never on the cooperative pool): each event's
/// `id:` is taken as the record's `seq`, stamped with the monotonic time of the read that
/// completed it, and checked for duplicates and order.
final class SSEFollowers: Sendable {
    /// What one client got.
    struct Received: Sendable {
        /// Receipt time (monotonic ns) per seq; 0: never received.
        var receivedAt: [Int64]
        var events = 0
        var duplicates = 0
        var outOfOrder = 0
        var failure: String?

        /// Every seq from 1 to `last` exactly once, in order, and nothing else.
        func exactlyOnce(through last: Int64) -> Bool {
            failure == nil && duplicates == 0 && outOfOrder == 0 && events == Int(last)
                && receivedAt[1...Int(last)].allSatisfy { $0 != 0 }
        }
    }

    let clients: Int
    /// Clients whose stream head (200) has arrived: subscribed.
    let subscribed = Atomic<Int>(0)
    /// Clients that have every seq up to `last`.
    let complete = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let results = Mutex<[Received]>([])
    private let finished = Atomic<Int>(0)

    /// Connects every client (on its reader thread) and starts reading; records up to `last` are expected.
    init(port: Int, job: String, clients: Int, threads: Int, last: Int64) {
        self.clients = clients
        let threads = max(1, min(threads, clients))
        threadCount = threads
        for thread in 0..<threads {
            let share = clients / threads + (thread < clients % threads ? 1 : 0)
            let reader = Thread { [self] in
                let received = Self.follow(port: port, job: job, clients: share, last: last, owner: self)
                results.withLock { $0 += received }
                finished.add(1, ordering: .sequentiallyConsistent)
            }
            reader.stackSize = 1 << 20
            reader.start()
        }
    }

    private let threadCount: Int

    /// Waits (sleeping this thread) until `condition` or `timeout` seconds.
    func wait(timeout: Double, until condition: () -> Bool) -> Bool {
        let deadline = now() + timeout
        while now() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return condition()
    }

    /// Stops the readers, closes the connections and returns what each client got.
    func stop() -> [Received] {
        stopping.store(true, ordering: .sequentiallyConsistent)
        _ = wait(timeout: 10) { finished.load(ordering: .sequentiallyConsistent) == threadCount }
        return results.withLock { $0 }
    }

    private static func follow(port: Int, job: String, clients: Int, last: Int64, owner: SSEFollowers) -> [Received] {
        var sockets: [LoopbackSocket] = []
        var received: [Received] = []
        var parsers: [SSEIDParser] = []
        var lastSeq: [Int64] = []
        var heads: [Bool] = []
        let request = Array("GET /api/stream/\(job) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".utf8)
        for _ in 0..<clients {
            var result = Received(receivedAt: [Int64](repeating: 0, count: Int(last) + 1))
            do {
                let socket = try LoopbackSocket(port: port)
                try socket.send(request)
                sockets.append(socket)
            } catch {
                result.failure = "\(error)"
            }
            received.append(result)
            parsers.append(SSEIDParser())
            lastSeq.append(0)
            heads.append(false)
        }
        let connected = received.indices.filter { received[$0].failure == nil }
        var descriptors = sockets.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        var open = [Bool](repeating: true, count: descriptors.count)
        var buffer = [UInt8](repeating: 0, count: 256 << 10)
        while !owner.stopping.load(ordering: .relaxed) {
            let ready = poll(&descriptors, nfds_t(descriptors.count), 100)
            guard ready > 0 else { continue }
            for slot in descriptors.indices where open[slot] && descriptors[slot].revents != 0 {
                let client = connected[slot]
                let count = buffer.withUnsafeMutableBytes { read(descriptors[slot].fd, $0.baseAddress, $0.count) }
                guard count > 0 else {
                    open[slot] = false
                    descriptors[slot].fd = -1
                    if lastSeq[client] < last { received[client].failure = "closed by the server after seq \(lastSeq[client])" }
                    continue
                }
                let at = nowNanoseconds()
                var result = received[client]
                received[client] = Received(receivedAt: [])  // `result` the only owner: no copy on write
                var previous = lastSeq[client]
                buffer.withUnsafeBytes { bytes in
                    parsers[client].feed(UnsafeRawBufferPointer(rebasing: bytes[..<count])) { seq in
                        result.events += 1
                        if seq <= previous { result.outOfOrder += 1 }
                        previous = max(previous, seq)
                        guard seq >= 1, seq <= last else { return }
                        if result.receivedAt[Int(seq)] != 0 { result.duplicates += 1 } else { result.receivedAt[Int(seq)] = at }
                    }
                }
                received[client] = result
                if !heads[client], parsers[client].ok {
                    heads[client] = true
                    owner.subscribed.add(1, ordering: .relaxed)
                } else if !heads[client], !parsers[client].headText.isEmpty, parsers[client].headText.hasSuffix("\r\n\r\n") {
                    received[client].failure = "answered: \(parsers[client].headText.prefix(40))"
                }
                if lastSeq[client] < last, previous >= last { owner.complete.add(1, ordering: .relaxed) }
                lastSeq[client] = previous
            }
        }
        return received
    }
}
