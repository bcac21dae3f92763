import Foundation
import Testing
import FlightdeckTestSupport
@testable import KubeClient

/// The transport against a real HTTP server on loopback (Python's http.server: a peer for the
/// HTTP layer alone; the API semantics are tested against the simulated cluster).
@Suite(.serialized) struct CurlTransportTests {
    final class Peer: @unchecked Sendable {
        let process = Process()
        let port: Int

        init() throws {
            let script = #"""
                import http.server, socketserver, sys, time
                class H(http.server.BaseHTTPRequestHandler):
                    protocol_version = "HTTP/1.1"
                    def log_message(self, *a): pass
                    def do_GET(self):
                        if self.path == "/hello":
                            body = b"hi there"
                            self.send_response(200); self.send_header("Content-Length", str(len(body)))
                            self.send_header("X-Test", "yes"); self.end_headers(); self.wfile.write(body)
                        elif self.path == "/bulk":
                            # 64 MiB as fast as the client takes it; /written tells how far it got.
                            self.send_response(200); self.send_header("Content-Length", str(64 << 20)); self.end_headers()
                            block = b"x" * 65536
                            for _ in range(1024):
                                try:
                                    self.wfile.write(block)
                                except Exception:
                                    return
                                S.written += len(block)
                        elif self.path == "/written":
                            body = str(S.written).encode()
                            self.send_response(200); self.send_header("Content-Length", str(len(body)))
                            self.end_headers(); self.wfile.write(body)
                        elif self.path.startswith("/stream"):
                            self.send_response(200); self.send_header("Transfer-Encoding", "chunked"); self.end_headers()
                            for i in range(1000000):
                                line = ("line %d\n" % i).encode()
                                try:
                                    self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line)); self.wfile.flush()
                                except Exception:
                                    return
                                time.sleep(0.02)
                        else:
                            body = b'{"kind":"Status","code":404}'
                            self.send_response(404); self.send_header("Content-Length", str(len(body)))
                            self.end_headers(); self.wfile.write(body)
                    def do_PATCH(self):
                        n = int(self.headers.get("Content-Length", "0")); body = self.rfile.read(n)
                        self.send_response(201); self.send_header("Content-Length", str(len(body)))
                        self.send_header("X-Method", self.command + " " + self.headers.get("Content-Type", ""))
                        self.end_headers(); self.wfile.write(body)
                class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
                    daemon_threads = True
                    written = 0
                s = S(("127.0.0.1", 0), H)
                print(s.server_address[1], flush=True)
                s.serve_forever()
                """#
            let out = Pipe()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", script]
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let line = FirstLine.read(from: out.fileHandleForReading)
            port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }

        var base: String { "http://127.0.0.1:\(port)" }

        deinit {
            // SIGKILL, not terminate(): a child spawned from a test thread can inherit a
            // signal mask that blocks SIGTERM.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    @Test func getsAWholeResponseWithHeaders() async throws {
        let peer = try Peer()
        let transport = CurlTransport()
        let response = try await transport.send(HTTPRequest(url: peer.base + "/hello"))
        #expect(response.status == 200)
        #expect(response.body == Array("hi there".utf8))
        #expect(response.head.header("x-test") == "yes")
        #expect(response.head.header("Content-Length") == "8")
        let missing = try await transport.send(HTTPRequest(url: peer.base + "/nope"))
        #expect(missing.status == 404)
        #expect(String(decoding: missing.body, as: UTF8.self).contains("Status"))
    }

    @Test func sendsABodyWithAnyMethod() async throws {
        let peer = try Peer()
        let transport = CurlTransport()
        var body = Array(#"{"spec":{"suspend":false}}"#.utf8)
        body.append(0)  // bytes, not a C string
        let response = try await transport.send(HTTPRequest(
            method: "PATCH", url: peer.base + "/apis/batch/v1/namespaces/agents/jobs/a",
            headers: ["Content-Type: application/merge-patch+json"], body: body))
        #expect(response.status == 201)
        #expect(response.body == body)
        #expect(response.head.header("x-method") == "PATCH application/merge-patch+json")
    }

    @Test func streamsChunksAsTheyArriveAndCancelsWhenTheConsumerStops() async throws {
        let peer = try Peer()
        let transport = CurlTransport()
        var received = ""
        var head: HTTPResponseHead?
        for try await event in transport.stream(HTTPRequest(url: peer.base + "/stream", timeout: nil)) {
            switch event {
            case let .head(value): head = value
            case let .data(bytes): received += String(decoding: bytes, as: UTF8.self)
            }
            if received.components(separatedBy: "\n").count > 5 { break }
        }
        #expect(head?.status == 200)
        #expect(received.hasPrefix("line 0\nline 1\n"))
        // The transport is still usable after a cancelled stream.
        let again = try await transport.send(HTTPRequest(url: peer.base + "/hello"))
        #expect(again.status == 200)
    }

    /// Demand flows back to the socket: while the consumer does not read, the transfer is
    /// paused, so what waits in the client stays within the channel's high water mark and the
    /// server is held up (by TCP's windows) long before it has sent everything; once the
    /// consumer reads again every byte arrives.
    @Test func aStalledConsumerPausesTheTransferAndLosesNothing() async throws {
        let peer = try Peer()
        let transport = CurlTransport()
        let total = 64 << 20
        let stream = transport.stream(HTTPRequest(url: peer.base + "/bulk", timeout: nil))
        var iterator = stream.makeAsyncIterator()
        var received = 0
        while received == 0, let event = try await iterator.next() {
            if case let .data(bytes) = event { received += bytes.count }
        }
        try await Task.sleep(for: .milliseconds(1_500))  // the consumer stalls
        #expect(stream.level <= CurlTransport.highWater + (64 << 10))
        let written = Int(String(decoding: try await transport.send(HTTPRequest(url: peer.base + "/written")).body,
            as: UTF8.self)) ?? -1
        // The server got no further than the client's buffer plus the kernel's socket
        // buffers on both sides (a few MiB on loopback), far short of the whole body.
        #expect(written < total / 4, "the server wrote \(written) bytes while nobody read")
        while let event = try await iterator.next() {
            if case let .data(bytes) = event { received += bytes.count }
        }
        #expect(received == total)
    }

    @Test func manyConcurrentStreamsShareOneLoop() async throws {
        let peer = try Peer()
        let transport = CurlTransport()
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    var lines = 0
                    for try await event in transport.stream(HTTPRequest(url: peer.base + "/stream", timeout: nil)) {
                        if case let .data(bytes) = event { lines += bytes.filter { $0 == 0x0A }.count }
                        if lines >= 3 { break }
                    }
                    return lines
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(counts.count == 20)
        #expect(counts.allSatisfy { $0 >= 3 })
    }

    @Test func aRefusedConnectionIsATransportErrorNamingTheURL() async throws {
        let transport = CurlTransport()
        let url = "http://127.0.0.1:9/version"
        await #expect(throws: TransportError.self) { try await transport.send(HTTPRequest(url: url)) }
        do {
            _ = try await transport.send(HTTPRequest(url: url))
        } catch let error as TransportError {
            #expect(error.description.hasPrefix(url))
            #expect(error.code == 7)  // CURLE_COULDNT_CONNECT
        }
    }
}
