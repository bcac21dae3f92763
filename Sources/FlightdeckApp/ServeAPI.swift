import AgentManifests
import FlightdeckCore
import Foundation
import HTTPServing
import HistoryStore
import KubeModel
import Orchestrator

/// `flightdeck serve`'s HTTP API, as a handler of requests: the jobs and their traces from
/// history, each job's trace live as Server-Sent Events, the OpenAPI document describing all
/// of it, and — only when configured — the cockpit's actions and OpenTelemetry ingest.
///
/// Everything it serves comes from history, where agent and cluster text is already
/// sanitised and redacted; JSON is written by an encoder, so any string is escaped correctly.
/// A token, when set, is asked of every request; CORS headers are sent only for the origins
/// configured.
public struct ServeAPI: Sendable {
    public struct Options: Sendable {
        /// Asked of every request (`Authorization: Bearer`); `nil`: none is asked.
        public var token: ServeToken?
        /// Origins a browser may call from (`Access-Control-Allow-Origin`); empty: no CORS.
        public var corsOrigins: [String]
        public var prices: PriceTable
        public var heartbeat: Duration
        public var quietPeriod: Duration
        /// `POST /v1/traces`: OTLP/HTTP spans into history; `nil`: not served.
        public var otlp: OTLPIntake?
        /// The cockpit's actions; `nil`: read-only.
        public var actions: ServeActions?

        public init(token: ServeToken? = nil, corsOrigins: [String] = [], prices: PriceTable = PriceTable(),
            heartbeat: Duration = .seconds(15), quietPeriod: Duration = .seconds(3),
            otlp: OTLPIntake? = nil,
            actions: ServeActions? = nil)
        {
            self.token = token
            self.corsOrigins = corsOrigins
            self.prices = prices
            self.heartbeat = heartbeat
            self.quietPeriod = quietPeriod
            self.otlp = otlp
            self.actions = actions
        }
    }

    public let store: HistoryStore
    public let feed: LiveFeed
    public let options: Options
    /// `/api/openapi.json`, made once: it depends on the options only.
    private let openAPI: [UInt8]

    /// Most jobs one listing returns, and most records one trace page does.
    public static let maxJobs = 1_000
    public static let maxPage = 5_000

    public init(store: HistoryStore, feed: LiveFeed, options: Options = Options()) {
        self.store = store
        self.feed = feed
        self.options = options
        openAPI = Array(ServeOpenAPI.document(options: options).utf8)
    }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        var response = await route(request)
        response.headers += commonHeaders(request)
        return response
    }

    private func route(_ request: HTTPRequest) async -> HTTPResponse {
        let origin = request.header("Origin")
        if request.method == "OPTIONS", let origin, options.corsOrigins.contains(origin) {
            return HTTPResponse(status: 204, headers: [
                ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
                ("Access-Control-Allow-Headers", "Authorization, Content-Type, Content-Encoding, Last-Event-ID"),
                ("Access-Control-Max-Age", "600"),
            ])
        }
        // The target decoded as kube-apiserver decodes its own (`KubeModel.Query`): the path's
        // segments, and the query's first value of each name.
        let parts = request.target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        guard let decodedPath = Query.percentDecode(String(parts.first ?? "/"), plusAsSpace: false),
            let items = try? Query.decode(parts.count == 2 ? String(parts[1]) : "")
        else { return Self.error(400, "malformed path or query (a % not followed by two hex digits)") }
        var query: [String: String] = [:]
        for item in items where query[item.name] == nil { query[item.name] = item.value }
        if let token = options.token {
            let presented = ServeToken.presented(authorization: request.header("Authorization"), query: query)
            guard let presented, token.accepts(presented) else {
                var refusal = Self.error(401, presented == nil ? "a bearer token is required" : "wrong token")
                refusal.headers.append(("WWW-Authenticate", "Bearer realm=\"flightdeck\""))
                return refusal
            }
        }
        let path = decodedPath.split(separator: "/").map(String.init)
        let read = request.method == "GET" || request.method == "HEAD"
        switch (path.first, path.count) {
        case ("api", 2) where path[1] == "jobs":
            guard read else { return Self.notAllowed("GET") }
            return await jobs(query)
        case ("api", 2) where path[1] == "openapi.json":
            guard read else { return Self.notAllowed("GET") }
            return .bytes(openAPI, contentType: "application/json")
        case ("api", 3) where path[1] == "jobs":
            guard read else { return Self.notAllowed("GET") }
            return await job(path[2])
        case ("api", 4) where path[1] == "jobs" && path[3] == "trace":
            guard read else { return Self.notAllowed("GET") }
            return await trace(path[2], query)
        case ("api", 4) where path[1] == "jobs" && ServeActions.names.contains(path[3]):
            guard let actions = options.actions else {
                return Self.error(404, "no such path (actions are served with --allow-actions)")
            }
            guard request.method == "POST" else { return Self.notAllowed("POST") }
            guard let job = await lookUp(path[2]) else { return Self.noJob(path[2]) }
            let (status, message) = await actions.perform(path[3], on: job, body: request.body)
            return status == 200 ? Self.json(["message": .string(message)]) : Self.error(status, message)
        case ("api", 3) where path[1] == "stream":
            guard request.method == "GET" else { return Self.notAllowed("GET") }
            return await stream(path[2], request, query)
        case ("v1", 2) where path[1] == "traces":
            guard let otlp = options.otlp else {
                return Self.error(404, "no such path (OpenTelemetry ingest is served with --otlp)")
            }
            guard request.method == "POST" else { return Self.notAllowed("POST") }
            return await otlp.httpResponse(body: request.body, contentType: request.header("Content-Type"))
        default:
            return Self.error(404, "no such path")
        }
    }

    // MARK: - Routes

    private func jobs(_ parameters: [String: String]) async -> HTTPResponse {
        var query = JobQuery(limit: 50)
        if let text = parameters["limit"] {
            guard let limit = Int(text), (1...Self.maxJobs).contains(limit) else {
                return Self.error(400, "limit: expected a whole number from 1 to \(Self.maxJobs)")
            }
            query.limit = limit
        }
        if let namespace = parameters["namespace"], !namespace.isEmpty { query.namespace = namespace }
        if let statuses = parameters["status"] {
            for name in statuses.split(separator: ",", omittingEmptySubsequences: false) {
                guard let status = JobStatus(rawValue: String(name)) else {
                    return Self.error(400, "status: expected one or more of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                query.statuses.insert(status)
            }
        }
        let prices = options.prices
        let query_ = query
        do {
            let (jobs, usage) = try await store.reading { store in
                let jobs = try store.jobs(query_)
                return (jobs, try store.usage(jobs: jobs.map(\.id)))
            }
            let entries = jobs.map { JobUsageEntry(job: $0, usage: usage[$0.id] ?? [], prices: prices) }
            return Self.encoded(entries)
        } catch {
            return Self.error(503, "history: \(error)")
        }
    }

    private func job(_ name: String) async -> HTTPResponse {
        guard let job = await lookUp(name) else { return Self.noJob(name) }
        let usage = (try? await store.reading { try $0.usage(job: job.id) }) ?? []
        return Self.encoded(JobUsageEntry(job: job, usage: usage, prices: options.prices))
    }

    /// One page of `name`'s trace: `records` after `after`, at most `limit`, and `next`, the
    /// `after` of the following page (`null` when this one reached the end so far).
    private func trace(_ name: String, _ query: [String: String]) async -> HTTPResponse {
        let after: Int64
        let limit: Int
        switch (Self.integer(query["after"], default: 0, in: 0...Int64.max),
            Self.integer(query["limit"], default: 500, in: 1...Int64(Self.maxPage)))
        {
        case (let a?, let l?):
            after = a
            limit = Int(l)
        case (nil, _): return Self.error(400, "after: expected a record sequence number (0 or more)")
        case (_, nil): return Self.error(400, "limit: expected a whole number from 1 to \(Self.maxPage)")
        }
        guard let job = await lookUp(name) else { return Self.noJob(name) }
        do {
            let records = try await store.reading { try $0.trace(jobID: job.id, after: after, limit: limit) }
            let page = TracePage(job: job.id, records: records, next: records.count == limit ? records.last?.seq : nil)
            return Self.encoded(page)
        } catch {
            return Self.error(503, "history: \(error)")
        }
    }

    private func stream(_ name: String, _ request: HTTPRequest, _ query: [String: String]) async -> HTTPResponse {
        let resumeText = request.header("Last-Event-ID") ?? query["after"]
        var after: Int64 = 0
        if let resumeText, !resumeText.isEmpty {
            guard let value = Int64(resumeText.trimmingCharacters(in: .whitespaces)), value >= 0 else {
                return Self.error(400, "Last-Event-ID (or after): expected a record sequence number")
            }
            after = value
        }
        guard let job = await lookUp(name) else { return Self.noJob(name) }
        let events = JobEventStream(store: store, feed: feed, jobID: job.id, after: after,
            heartbeat: options.heartbeat, quietPeriod: options.quietPeriod)
        return HTTPResponse(status: 200, headers: [
            ("Content-Type", "text/event-stream; charset=utf-8"),
            ("Cache-Control", "no-cache"),
            ("X-Accel-Buffering", "no"),
        ], body: .stream { writer in try await events.run(writer) })
    }

    // MARK: - Helpers

    /// The job by exact id, else by exact Job name (the newest of that name).
    private func lookUp(_ name: String) async -> AgentJob? {
        try? await store.reading { store in
            if let job = try store.job(id: name) { return job }
            return try store.jobs(JobQuery(name: name, limit: 1)).first
        }
    }

    private func commonHeaders(_ request: HTTPRequest) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [("X-Content-Type-Options", "nosniff")]
        if let origin = request.header("Origin"), options.corsOrigins.contains(origin) {
            headers.append(("Access-Control-Allow-Origin", origin))
            headers.append(("Vary", "Origin"))
        }
        return headers
    }

    private struct TracePage: Encodable {
        var job: String
        var records: [TraceRecord]
        var next: Int64?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(job, forKey: .job)
            try container.encode(records, forKey: .records)
            try container.encode(next, forKey: .next)  // null, not absent
        }

        enum CodingKeys: String, CodingKey { case job, records, next }
    }

    static func integer(_ text: String?, default value: Int64, in range: ClosedRange<Int64>) -> Int64? {
        guard let text else { return value }
        guard let number = Int64(text), range.contains(number) else { return nil }
        return number
    }

    static func encoded(_ value: some Encodable) -> HTTPResponse {
        guard let text = try? JSONLines.encode(value) else { return error(500, "could not encode the answer") }
        return .bytes(Array(text.utf8), contentType: "application/json")
    }

    static func json(_ members: KeyValuePairs<String, JSONValue>) -> HTTPResponse {
        .bytes(Array(JSONValue.object(members.map { JSONValue.Member($0.key, $0.value) }).serialized.utf8),
            contentType: "application/json")
    }

    static func error(_ status: Int, _ message: String) -> HTTPResponse {
        var response = json(["error": .string(message)])
        response.status = status
        return response
    }

    static func notAllowed(_ allowed: String) -> HTTPResponse {
        var response = error(405, "method not allowed (this path takes \(allowed))")
        response.headers.append(("Allow", allowed))
        return response
    }

    static func noJob(_ name: String) -> HTTPResponse {
        error(404, "history has no job \(TerminalText.line(name))")
    }
}
