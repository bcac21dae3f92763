import AgentManifests
import FlightdeckApp
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HTTPServing
import HistoryStore
import Orchestrator
import Testing

/// `flightdeck serve`'s API on a real socket, read by the real curl, over a real history
/// file that a `HistoryWriter` fills while clients watch.
@Suite(.timeLimit(.minutes(3))) struct ServeAPITests {
    let directory = TemporaryDirectory("flightdeck-serve")
    static let curl = ProductProcess(executable: URL(fileURLWithPath: "/usr/bin/curl"))

    struct Served: Sendable {
        let store: HistoryStore
        let writer: HistoryWriter
        let feed: LiveFeed
        let server: HTTPServer
        var url: String { server.url }

        func write(_ writes: [HistoryWrite]) async throws { try await writer.commit(contentsOf: writes) }

        func stop() async {
            await server.shutdown()
            try? await writer.closed()
        }
    }

    func serve(_ options: ServeAPI.Options = ServeAPI.Options(quietPeriod: .milliseconds(400)),
        configuration: HTTPServer.Configuration = HTTPServer.Configuration()) async throws -> Served
    {
        let store = try await HistoryStore.opening(path: directory.file("history.db"))
        let feed = try await store.reading { LiveFeed(store: $0) }
        let writer = HistoryWriter(store: store) { outcome in
            if case .committed(let commit) = outcome { feed.publish(commit) }
        }
        let api = ServeAPI(store: store, feed: feed, options: options)
        let server = try await HTTPServer.start(configuration: configuration) { await api.handle($0) }
        return Served(store: store, writer: writer, feed: feed, server: server)
    }

    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func job(_ id: String, _ status: JobStatus = .running, finished: Bool = false) -> HistoryWrite {
        .job(AgentJob(id: id, name: "agent-\(id)", namespace: "agents", createdAt: start, startedAt: start,
            finishedAt: finished ? Date() : nil, status: status))
    }

    static func phase(_ id: String, _ phase: Phase, at second: Int) -> HistoryWrite {
        .phaseChange(jobID: id, phase: phase, time: start.addingTimeInterval(Double(second)), sourceID: "p:\(second)")
    }

    static func record(_ job: String, _ n: Int, text: String? = nil, usage: TokenUsage? = nil) -> HistoryWrite {
        .trace(TraceRecord(jobID: job, sourceID: "s:\(n)", time: start.addingTimeInterval(Double(n)), kind: .thought,
            phase: .strategic, text: text ?? "step \(n)", usage: usage))
    }

    /// A whole response: status, body.
    func get(_ url: String, _ extra: [String] = []) async throws -> (status: Int, body: String) {
        let result = try await Self.curl.run(["-sS", "--max-time", "20", "-w", "\n%{http_code}"] + extra + [url])
        let text = result.stdout
        let split = text.lastIndex(of: "\n").map { (String(text[..<$0]), String(text[text.index(after: $0)...])) }
        return (Int(split?.1 ?? "") ?? 0, split?.0 ?? "")
    }

    func object(_ text: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// `curl -N` following a stream into a file, read as it grows.
    struct Follower {
        let running: ProductProcess.Running
        let file: String
        var text: String { (try? String(contentsOfFile: file, encoding: .utf8)) ?? "" }
        var events: [ServerSentEventParser.Event] { ServerSentEventParser.events(text).events }
        var records: [ServerSentEventParser.Event] { events.filter { $0.event == "record" } }
    }

    func follow(_ url: String, file: String, headers: [String] = []) throws -> Follower {
        Follower(running: try Self.curl.start(["-sS", "-N", "-o", file] + headers.flatMap { ["-H", $0] } + [url]), file: file)
    }

    @Test func jobsAndTracePagesComeFromHistory() async throws {
        let served = try await serve(ServeAPI.Options(prices: PriceTable(models: ["m1": ModelPrice(input: 2, output: 10)])))
        defer { Task { await served.stop() } }
        try await served.write([Self.job("j1"), Self.job("j2", .succeeded, finished: true)]
            + (1...5).map { Self.record("j1", $0, usage: $0 == 1 ? TokenUsage(inputTokens: 1_000_000, outputTokens: 100_000, model: "m1") : nil) })
        let base = served.url

        let list = try await get(base + "/api/jobs")
        #expect(list.status == 200, "\(list.body)")
        let jobs = (try? JSONSerialization.jsonObject(with: Data(list.body.utf8))) as? [[String: Any]] ?? []
        #expect(Set(jobs.compactMap { $0["id"] as? String }) == ["j1", "j2"])
        let j1 = try #require(jobs.first { $0["id"] as? String == "j1" })
        #expect((j1["tokens"] as? [String: Any])?["input"] as? Int == 1_000_000)
        #expect(j1["cost"] as? String == "3")
        let filtered = try await get(base + "/api/jobs?status=succeeded&limit=5")
        #expect(filtered.body.contains("\"j2\"") && !filtered.body.contains("\"j1\""), "\(filtered.body)")

        let byName = try await get(base + "/api/jobs/agent-j1")
        #expect(byName.status == 200 && object(byName.body)["id"] as? String == "j1", "\(byName.body)")
        let missing = try await get(base + "/api/jobs/nope")
        #expect(missing.status == 404)
        #expect(object(missing.body)["error"] as? String == "history has no job nope")

        let first = object(try await get(base + "/api/jobs/j1/trace?limit=2").body)
        #expect((first["records"] as? [[String: Any]])?.compactMap { $0["seq"] as? Int } == [1, 2])
        #expect(first["next"] as? Int == 2)
        let rest = object(try await get(base + "/api/jobs/j1/trace?after=2&limit=10").body)
        #expect((rest["records"] as? [[String: Any]])?.compactMap { $0["seq"] as? Int } == [3, 4, 5])
        #expect(rest["next"] is NSNull)

        // The largest sequence number there is, as Schemathesis once sent: nothing after it.
        let end = object(try await get(base + "/api/jobs/j1/trace?after=9223372036854775807&limit=5000").body)
        #expect((end["records"] as? [[String: Any]])?.isEmpty == true, "\(end)")
        let tooLarge = try await get(base + "/api/jobs/j1/trace?after=9223372036854775808")
        #expect(tooLarge.status == 400)
        for bad in ["/api/jobs?limit=%zz", "/api/jobs?status=", "/api/jobs?status=running,", "/api/jobs/j1/trace?limit=0", "/api/jobs/j1/trace?after=-1", "/api/jobs?limit=x", "/api/jobs?status=dreaming"] {
            let answer = try await get(base + bad)
            #expect(answer.status == 400, "\(bad): \(answer.body)")
            #expect(object(answer.body)["error"] is String)
        }
        let post = try await get(base + "/api/jobs", ["-X", "POST", "-i"])
        #expect(post.status == 405 && post.body.lowercased().contains("allow: get"), "\(post.body)")
        let action = try await get(base + "/api/jobs/j1/cancel", ["-X", "POST"])
        #expect(action.status == 404, "read-only: no actions")
        let ingest = try await get(base + "/v1/traces", ["-X", "POST"])
        #expect(ingest.status == 404, "no OTLP unless asked")
        let unknown = try await get(base + "/nothing/here")
        #expect(unknown.status == 404)

        let spec = object(try await get(base + "/api/openapi.json").body)
        let paths = (spec["paths"] as? [String: Any]).map { Set($0.keys) } ?? []
        #expect(paths == ["/api/jobs", "/api/jobs/{job}", "/api/jobs/{job}/trace", "/api/stream/{job}", "/api/openapi.json"])
        #expect(spec["security"] == nil)
    }

    /// A client follows a live job, is cut off, and resumes with `Last-Event-ID`: every
    /// record arrives once, in order, and the stream ends with `done` when the job finished.
    @Test func theStreamFollowsAJobAndResumesWithNoGapAndNoDuplicate() async throws {
        let served = try await serve()
        defer { Task { await served.stop() } }
        try await served.write([Self.job("j1"), Self.phase("j1", .strategic, at: 0)] + (1...3).map { Self.record("j1", $0) })
        let url = served.url + "/api/stream/j1"

        let first = try follow(url, file: directory.file("first.sse"))
        try await eventually { first.records.count == 3 }
        #expect(first.events.first?.event == "status")
        #expect(first.events.first.map { object($0.data)["status"] as? String } == "running")
        #expect(first.events.contains { $0.event == "phase" && object($0.data)["phase"] as? String == "STRATEGIC" })
        try await served.write((4...6).map { Self.record("j1", $0) })
        try await eventually { first.records.count == 6 }
        first.running.kill()
        _ = await first.running.finish()

        // Written while nobody watched.
        try await served.write((7...9).map { Self.record("j1", $0) } + [Self.phase("j1", .tactical, at: 7)])
        let resumeFrom = try #require(first.records.last?.lastEventID)
        #expect(resumeFrom == "6")
        let second = try follow(url, file: directory.file("second.sse"), headers: ["Last-Event-ID: \(resumeFrom)"])
        try await eventually { second.records.count == 3 }
        try await served.write([Self.record("j1", 10), Self.job("j1", .succeeded, finished: true)])
        let ended = await second.running.finish()  // the stream ends by itself after `done`
        #expect(ended.status == 0, "\(ended.stderr)")

        let seen = (first.records + second.records).map { Int($0.id ?? "") ?? 0 }
        #expect(seen == Array(1...10))
        let texts = (first.records + second.records).map { object($0.data)["text"] as? String ?? "" }
        #expect(texts == (1...10).map { "step \($0)" })
        #expect(second.events.contains { $0.event == "phase" && object($0.data)["phase"] as? String == "TACTICAL" })
        let done = try #require(second.events.last)
        #expect(done.event == "done")
        #expect(object(done.data)["status"] as? String == "succeeded")
        #expect(object(done.data)["lastSeq"] as? Int == 10)

        // `?after=` for clients that cannot set headers; a finished job's stream is history
        // and ends at once.
        let replay = try await get(url + "?after=8")
        let replayed = ServerSentEventParser.events(replay.body).events
        #expect(replayed.filter { $0.event == "record" }.map(\.id) == ["9", "10"])
        #expect(replayed.last?.event == "done")
        let bad = try await get(url, ["-H", "Last-Event-ID: yesterday"])
        #expect(bad.status == 400)
        #expect(try await get(served.url + "/api/stream/nope").status == 404)
    }

    /// Text an agent wrote cannot break the framing: a newline in a record never starts an
    /// SSE field, and JSON carries every string exactly.
    @Test func hostileRecordsStayEscapedInJSONAndInSSEFraming() async throws {
        let served = try await serve()
        defer { Task { await served.stop() } }
        let hostile = [
            "line\n\nevent: done\ndata: {\"forged\":true}\n\nid: 999\n",
            "cr\revent: done\r\rid: 998\r\r",
            "crlf\r\nretry: 1\r\n\r\n: comment",
            "nul\u{0}esc\u{1B}[2J\u{1B}]52;c;aGk=\u{07}bell",
            "quote\" backslash\\ separator\u{2028}\u{2029} emoji 🛫 bom\u{FEFF}",
        ]
        try await served.write([Self.job("j1", .succeeded, finished: true)]
            + hostile.enumerated().map { Self.record("j1", $0.offset + 1, text: $0.element) })
        let streamed = try await get(served.url + "/api/stream/j1")
        let parsed = ServerSentEventParser.events(streamed.body)
        #expect(parsed.events.map(\.event) == ["status", "phase"] + Array(repeating: "record", count: hostile.count) + ["done"])
        let records = parsed.events.filter { $0.event == "record" }
        #expect(records.map(\.id) == (1...hostile.count).map { String($0) })
        #expect(records.map { object($0.data)["text"] as? String ?? "<undecodable>" } == hostile)
        #expect(!streamed.body.contains("\u{1B}"), "escapes travel as \\u001b inside JSON, never raw")
        #expect(object(parsed.events.last?.data ?? "")["forged"] == nil)

        let page = object(try await get(served.url + "/api/jobs/j1/trace").body)
        #expect((page["records"] as? [[String: Any]])?.compactMap { $0["text"] as? String } == hostile)
    }

    /// Over TLS, and on any non-loopback address, a bearer token is asked: a request without
    /// it or with a wrong one is refused, the right one is served.
    @Test func aTokenIsAskedOnANonLoopbackBind() async throws {
        let certificate = directory.file("serve.crt")
        let key = directory.file("serve.key")
        let made = try await ProductProcess(executable: URL(fileURLWithPath: "/usr/bin/openssl")).run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out",
            certificate, "-days", "1", "-subj", "/CN=flightdeck-test", "-addext", "subjectAltName=IP:127.0.0.1",
        ])
        try #require(made.status == 0, "\(made.stderr)")
        let tokenPath = directory.file("xdg/flightdeck/serve-token")

        // Plain HTTP beyond loopback is refused before anything listens.
        #expect(throws: OperatorError("--listen 0.0.0.0:0 is not a loopback address: serving beyond this machine needs TLS (--tls-cert and --tls-key) and a bearer token")) {
            try ServeListener.make(listen: "0.0.0.0:0", tlsCertificate: nil, tlsKey: nil, tokenFile: nil, defaultTokenPath: tokenPath)
        }
        let listener = try ServeListener.make(listen: "0.0.0.0:0", tlsCertificate: certificate, tlsKey: key, tokenFile: nil,
            defaultTokenPath: tokenPath)
        #expect(listener.tokenCreated && listener.tokenPath == tokenPath)
        let attributes = try FileManager.default.attributesOfItem(atPath: tokenPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let token = try String(contentsOfFile: tokenPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.count == 64)

        let store = try await HistoryStore.opening(path: directory.file("history.db"))
        try store.write([Self.job("j1")])
        let feed = try await store.reading { LiveFeed(store: $0) }
        let api = ServeAPI(store: store, feed: feed, options: ServeAPI.Options(token: listener.token))
        let server = try await HTTPServer.start(configuration: listener.configuration) { await api.handle($0) }
        defer { Task { await server.shutdown() } }
        let url = "https://127.0.0.1:\(server.port)/api/jobs"
        let tls = ["--cacert", certificate]
        let none = try await get(url, tls)
        #expect(none.status == 401 && object(none.body)["error"] as? String == "a bearer token is required")
        let wrong = try await get(url, tls + ["-H", "Authorization: Bearer " + String(token.reversed())])
        #expect(wrong.status == 401 && object(wrong.body)["error"] as? String == "wrong token")
        let prefix = try await get(url, tls + ["-H", "Authorization: Bearer " + token.dropLast()])
        #expect(prefix.status == 401)
        let stream = try await get("https://127.0.0.1:\(server.port)/api/stream/j1", tls)
        #expect(stream.status == 401, "streams too")
        let right = try await get(url, tls + ["-H", "Authorization: Bearer " + token])
        #expect(right.status == 200 && right.body.contains("\"j1\""), "\(right.body)")
        let spec = object(try await get("https://127.0.0.1:\(server.port)/api/openapi.json", tls + ["-H", "Authorization: Bearer " + token]).body)
        #expect(spec["security"] != nil)
        // Plain HTTP to the TLS port gets nothing.
        let plain = try await get("http://127.0.0.1:\(server.port)/api/jobs")
        #expect(plain.status != 200)

        // The second start reads the token it made; a loose file is refused.
        let again = try ServeListener.make(listen: "0.0.0.0:0", tlsCertificate: certificate, tlsKey: key, tokenFile: nil,
            defaultTokenPath: tokenPath)
        #expect(!again.tokenCreated && again.token?.accepts(token) == true)
        chmod(tokenPath, 0o644)
        #expect(throws: OperatorError.self) {
            try ServeListener.make(listen: "0.0.0.0:0", tlsCertificate: certificate, tlsKey: key, tokenFile: nil,
                defaultTokenPath: tokenPath)
        }
    }

    /// A client that stops reading fills only its own connection's bounded buffer; it is
    /// dropped after the stall timeout, and resumes by id with nothing lost.
    @Test func aSlowClientIsDroppedAndResumesByID() async throws {
        let served = try await serve(configuration: HTTPServer.Configuration(stallTimeout: .milliseconds(500),
            writeBufferHighWater: 16 << 10))
        defer { Task { await served.stop() } }
        try await served.write([Self.job("j1")])
        let socket = try StalledClient(port: served.server.port, path: "/api/stream/j1")
        defer { socket.close() }
        try await eventually { served.server.openConnections == 1 }
        // Written until the client's connection is dropped: the kernel's socket buffers on
        // loopback take up to a few MB first (tcp_wmem), then the server's 16 KiB, then the
        // write waits and the sweeper closes it.
        let big = String(repeating: "x", count: 4_000)
        var written = 0
        while served.server.openConnections > 0, written < 50_000 {
            try await served.write((1...50).map { Self.record("j1", written + $0, text: big) })
            written += 50
        }
        try await eventually { served.server.openConnections == 0 }
        let resumed = try await get(served.url + "/api/jobs/j1/trace?after=\(written - 10)&limit=100")
        #expect((object(resumed.body)["records"] as? [[String: Any]])?.count == 10)
        let follower = try follow(served.url + "/api/stream/j1?after=\(written - 5)", file: directory.file("after.sse"))
        try await eventually { follower.records.count == 5 }
        #expect(follower.records.map(\.id) == (written - 4...written).map { String($0) })
        follower.running.kill()
        _ = await follower.running.finish()
    }

    @Test func corsHeadersOnlyForTheConfiguredOrigin() async throws {
        let served = try await serve(ServeAPI.Options(corsOrigins: ["https://phone.example"]))
        defer { Task { await served.stop() } }
        let allowed = try await get(served.url + "/api/jobs", ["-i", "-H", "Origin: https://phone.example"])
        #expect(allowed.body.lowercased().contains("access-control-allow-origin: https://phone.example"), "\(allowed.body)")
        let other = try await get(served.url + "/api/jobs", ["-i", "-H", "Origin: https://evil.example"])
        #expect(!other.body.lowercased().contains("access-control-allow-origin"), "\(other.body)")
        let preflight = try await get(served.url + "/api/jobs", ["-i", "-X", "OPTIONS", "-H", "Origin: https://phone.example",
            "-H", "Access-Control-Request-Method: GET"])
        #expect(preflight.status == 204)
        let unconfigured = try await serve(ServeAPI.Options())
        defer { Task { await unconfigured.stop() } }
        let none = try await get(unconfigured.url + "/api/jobs", ["-i", "-H", "Origin: https://phone.example"])
        #expect(!none.body.lowercased().contains("access-control-allow-origin"))
    }

    @Test func aGzippedBodyIsDecodedAndAnUnknownEncodingRefused() async throws {
        // Any POST path shows the decoding; with no OTLP the answer is the route's 404, which
        // needs the body read first. An unknown Content-Encoding is 415 before any routing.
        let served = try await serve()
        defer { Task { await served.stop() } }
        let refused = try await get(served.url + "/v1/traces", ["-X", "POST", "-H", "Content-Encoding: br", "--data-binary", "x"])
        #expect(refused.status == 415, "\(refused.body)")
        let broken = try await get(served.url + "/v1/traces", ["-X", "POST", "-H", "Content-Encoding: gzip", "--data-binary", "not gzip"])
        #expect(broken.status == 400, "\(broken.body)")
    }
}

/// A client that asks for a stream and never reads it, with a small receive buffer.
final class StalledClient: @unchecked Sendable {
    private let descriptor: Int32

    init(port: Int, path: String) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var size: Int32 = 4096
        setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        _ = request.withCString { send(descriptor, $0, strlen($0), 0) }
    }

    func close() { Glibc.close(descriptor) }
}
