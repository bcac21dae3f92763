import Foundation
import KubeClient
import KubeModel

#if canImport(Glibc)
    import Glibc
#endif

/// The Flightdeck side of `log-drain`, run as a child process of the benchmark (hidden
/// subcommand `drain-client`) so it pays what `kubectl` pays: its own process, kubeconfig
/// load, TLS handshake. Follows one pod's log from the start until the stream ends and
/// writes every line to stdout (64 KiB writes), counting lines; a summary goes to stderr.
///
/// Modes: `logs` reads `KubeAPI.logs(follow: true)` as raw chunks (what `kubectl logs -f`
/// does); `follower` reads `LogFollower.lines()` — timestamps on, every line split, parsed
/// and de-duplicated, the path Flightdeck's UI uses.
struct DrainClient {
    let kubeconfig: String
    let namespace: String
    let pod: String
    let mode: String

    func run() async throws {
        let home = NSTemporaryDirectory() + "flightdeck-drain-\(getpid())"
        let connection = try BenchCluster.loader(home: home).load(kubeconfig: kubeconfig, namespace: namespace)
        let api = KubeAPI(connection: connection, qps: 100, burst: 100)
        var output = Output()
        let start = now()
        switch mode {
        case "logs":
            for try await chunk in api.logs(namespace: namespace, pod: pod, options: PodLogOptions(follow: true)) {
                output.write(chunk)
            }
        case "follower":
            for try await batch in LogFollower(api: api, namespace: namespace, pod: pod).batches() {
                for line in batch { output.writeLine(line.text) }
            }
        default:
            throw BenchError("drain-client: unknown mode \(mode) (logs or follower)")
        }
        output.flush()
        let elapsed = now() - start
        FileHandle.standardError.write(Data(("drain-client \(mode): \(output.lines) lines, \(output.bytes) bytes in "
            + "\(format(elapsed, 3)) s, peak RSS \(format(peakMemoryMB())) MB\n").utf8))
    }

    /// Buffered stdout that counts newlines as it goes.
    struct Output {
        private var buffer: [UInt8] = []
        private(set) var lines = 0
        private(set) var bytes = 0

        init() { buffer.reserveCapacity(1 << 17) }

        mutating func write(_ chunk: [UInt8]) {
            chunk.withUnsafeBufferPointer { bytes in
                guard var cursor = bytes.baseAddress else { return }
                let end = cursor + bytes.count
                while cursor < end, let found = memchr(cursor, 0x0A, end - cursor) {
                    lines += 1
                    cursor = UnsafePointer(found.assumingMemoryBound(to: UInt8.self)) + 1
                }
            }
            bytes += chunk.count
            buffer += chunk
            if buffer.count >= 1 << 16 { flush() }
        }

        /// A line without its newline (one already split: counted, not searched).
        mutating func writeLine(_ text: [UInt8]) {
            lines += 1
            bytes += text.count + 1
            buffer += text
            buffer.append(0x0A)
            if buffer.count >= 1 << 16 { flush() }
        }

        mutating func flush() {
            var written = 0
            buffer.withUnsafeBytes { raw in
                while written < raw.count {
                    let result = Glibc.write(1, raw.baseAddress! + written, raw.count - written)
                    if result < 0 {
                        if errno == EINTR { continue }
                        break
                    }
                    written += result
                }
            }
            buffer.removeAll(keepingCapacity: true)
        }
    }
}
