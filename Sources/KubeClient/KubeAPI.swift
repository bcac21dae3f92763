import FlightdeckCore
import FlowControl
import Foundation
import KubeModel
import Synchronization

/// The Kubernetes API as Flightdeck uses it: typed requests over one `CurlTransport`, with
/// the connection's credentials, client-side rate limiting, and errors as sentences.
///
/// Everything here works the same against k3s and the simulated cluster: it only speaks
/// the REST API.
public final class KubeAPI: Sendable {
    public let connection: ClusterConnection
    private let limiter: RateLimiter
    private let execCredentials: ExecCredentialProvider?
    /// Made by the first request: an exec plugin's client certificate is part of the TLS
    /// setup, and the plugin runs then, off the cooperative pool, not while the client is made.
    private let madeTransport = Mutex<CurlTransport?>(nil)
    private let userAgent: String

    /// Makes a client without contacting anything: an exec credential plugin runs at the
    /// first request (its failure is that request's error), as kubectl runs it.
    public init(connection: ClusterConnection, qps: Double = 5, burst: Int = 10,
        environment: [String: String] = ProcessInfo.processInfo.environment, userAgent: String = "flightdeck")
    {
        self.connection = connection
        limiter = RateLimiter(qps: qps, burst: burst)
        self.userAgent = userAgent
        execCredentials = ExecCredentialProvider(connection: connection, environment: environment)
    }

    /// The transport, made once with the connection's TLS material and, from an exec plugin,
    /// its client certificate (fixed for the client's life, as client-go fixes it per
    /// transport).
    private func transport() async throws -> CurlTransport {
        if let made = madeTransport.withLock({ $0 }) { return made }
        var tls = connection.tlsMaterial
        if let execCredentials {
            // Single flight: concurrent first requests wait for the same plugin run.
            let credential = try await execCredentials.credential()
            if let certificate = credential.clientCertificate, let key = credential.clientKey {
                tls.clientCertificatePEM = certificate
                tls.clientKeyPEM = key
            }
        }
        return madeTransport.withLock { slot in
            if let made = slot { return made }
            let made = CurlTransport(tls: tls)
            slot = made
            return made
        }
    }

    // MARK: - Requests

    /// Sends `request` and returns the 2xx response; throws `APIError` for an error answer
    /// and `ClusterUnreachable` when no answer came.
    public func perform(_ request: APIRequest) async throws -> HTTPResponse {
        try await limiter.wait()
        let http = try await httpRequest(request)
        let response: HTTPResponse
        do {
            response = try await transport().send(http)
        } catch let error as TransportError {
            throw ClusterUnreachable(connection: connection, error: error)
        }
        if response.status == 401 { execCredentials?.invalidate() }
        if let error = APIError.from(response, method: request.method, url: http.url) { throw error }
        return response
    }

    /// The JSON body of a successful request.
    public func json(_ request: APIRequest) async throws -> JSONValue {
        let response = try await perform(request)
        do {
            return try JSONParser(maxDepth: 256).parse(response.body)
        } catch {
            throw APIError(status: .make(code: response.status, reason: "InternalError",
                message: "the server sent a response that is not JSON to \(request.method) \(request.path)"),
                method: request.method, url: connection.url(path: request.path))
        }
    }

    public func version() async throws -> JSONValue { try await json(.version) }

    public func get<Object: KubeObject>(_: Object.Type = Object.self, namespace: String? = nil, name: String)
        async throws -> Object
    {
        Object(json: try await json(.get(Object.resourceType, namespace: namespace, name: name)))
    }

    public func get(_ type: ResourceType, namespace: String? = nil, name: String) async throws -> JSONValue {
        try await json(.get(type, namespace: namespace, name: name))
    }

    /// One page of a list (`options.limit`/`continue`).
    public func list(_ type: ResourceType, namespace: String? = nil, options: ListOptions = ListOptions())
        async throws -> JSONValue
    {
        try await json(.list(type, namespace: namespace, options: options))
    }

    /// Every page of a list, read at the first page's resourceVersion: the items and that
    /// version (from which a watch continues).
    public func listAll(_ type: ResourceType, namespace: String? = nil, options: ListOptions = ListOptions(),
        pageSize: Int64 = 500) async throws -> (items: [JSONValue], resourceVersion: String)
    {
        var options = options
        options.limit = pageSize
        var items: [JSONValue] = []
        var firstVersion: String?
        while true {
            let page = try await list(type, namespace: namespace, options: options)
            items += page["items"]?.arrayValue ?? []
            firstVersion = firstVersion ?? page[path: ["metadata", "resourceVersion"]]?.stringValue
            guard let token = page[path: ["metadata", "continue"]]?.stringValue, !token.isEmpty else { break }
            options.continue = token
        }
        return (items, firstVersion ?? "0")
    }

    public func create(_ type: ResourceType, namespace: String? = nil, _ object: JSONValue, dryRun: Bool = false)
        async throws -> JSONValue
    {
        try await json(.create(type, namespace: namespace, object: object, dryRun: dryRun))
    }

    /// Replaces the object (PUT); a stale `metadata.resourceVersion` in `object` is a 409 Conflict.
    public func update(_ type: ResourceType, namespace: String? = nil, name: String, _ object: JSONValue,
        subresource: String? = nil, dryRun: Bool = false) async throws -> JSONValue
    {
        try await json(.update(type, namespace: namespace, name: name, object: object, subresource: subresource,
            dryRun: dryRun))
    }

    public func patch(_ type: ResourceType, namespace: String? = nil, name: String, _ patch: JSONValue,
        kind: APIRequest.PatchKind = .merge, subresource: String? = nil, dryRun: Bool = false) async throws -> JSONValue
    {
        try await json(.patch(type, namespace: namespace, name: name, patch: patch, kind: kind,
            subresource: subresource, dryRun: dryRun))
    }

    /// PATCH with an RFC 6902 JSON patch (`application/json-patch+json`): the operations
    /// apply in order, all or none; one that does not apply is the server's 422.
    public func patch(_ type: ResourceType, namespace: String? = nil, name: String, _ patch: JSONPatch,
        subresource: String? = nil, dryRun: Bool = false) async throws -> JSONValue
    {
        try await self.patch(type, namespace: namespace, name: name, patch.json, kind: .json, subresource: subresource,
            dryRun: dryRun)
    }

    /// Deletes; the answer is the object (still finalizing) or a `Success` Status.
    @discardableResult
    public func delete(_ type: ResourceType, namespace: String? = nil, name: String,
        options: DeleteOptions = DeleteOptions()) async throws -> JSONValue
    {
        try await json(.delete(type, namespace: namespace, name: name, options: options))
    }

    // MARK: - Streams

    /// One watch connection: its events until the server ends it (timeout), an `ERROR`
    /// event arrives (delivered, then the stream ends), or the consumer stops iterating
    /// (which ends the transfer). Reconnecting is the caller's choice — see `Informer`.
    public func watch(_ type: ResourceType, namespace: String? = nil, options: ListOptions)
        -> BoundedChannel<WatchEvent, any Error>
    {
        let lines = stream(.watch(type, namespace: namespace, options: options))
        return .producing(highWater: Self.watchEventsBuffered) { events in
            var splitter = LineSplitter(maxLine: 64 << 20)
            for try await chunk in lines {
                for line in try splitter.push(chunk) where !line.isEmpty {
                    let event = try WatchEvent(line: line)
                    try await events.send(event)
                    if event.type == .error { return }
                }
            }
        }
    }

    /// Decoded watch events waiting for their consumer before the connection is read no more.
    public static let watchEventsBuffered = 256
    /// Body bytes of a stream waiting for their consumer, past the transfer's own buffer.
    public static let streamBytesBuffered = 256 << 10

    /// A container's log: raw bytes as the kubelet sends them (lines, with an RFC 3339
    /// timestamp first when `timestamps` is set). Follows until the container stops.
    public func logs(namespace: String, pod: String, options: PodLogOptions) -> BoundedChannel<[UInt8], any Error> {
        stream(.logs(namespace: namespace, pod: pod, options: options))
    }

    /// The body of a streamed request, chunk by chunk, after a 2xx head; an error answer
    /// throws its `APIError` (with the whole error body read first). Bounded: a consumer that
    /// falls behind pauses the transfer.
    public func stream(_ request: APIRequest) -> BoundedChannel<[UInt8], any Error> {
        .producing(highWater: Self.streamBytesBuffered, weight: { $0.count }) { [self] body in
            try await limiter.wait()
            let http = try await httpRequest(request)
            var status = 0
            var errorBody: [UInt8] = []
            var head: HTTPResponseHead?
            do {
                for try await event in try await transport().stream(http) {
                    switch event {
                    case .head(let value):
                        head = value
                        status = value.status
                    case .data(let chunk):
                        if (200..<300).contains(status) {
                            try await body.send(chunk)
                        } else if errorBody.count < 1 << 20 {
                            errorBody += chunk
                        }
                    }
                }
            } catch let error as TransportError {
                throw ClusterUnreachable(connection: connection, error: error)
            }
            if let head, let error = APIError.from(HTTPResponse(head: head, body: errorBody),
                method: request.method, url: http.url)
            {
                throw error
            }
        }
    }

    private func httpRequest(_ request: APIRequest) async throws -> HTTPRequest {
        var headers = ["Accept: application/json", "User-Agent: \(userAgent)"]
        if let contentType = request.contentType { headers.append("Content-Type: \(contentType)") }
        if let authorization = try connection.authorizationHeader() {
            headers.append(authorization)
        } else if let execCredentials, let token = try await execCredentials.credential().token {
            headers.append("Authorization: Bearer \(token)")
        }
        return HTTPRequest(method: request.method, url: connection.url(path: request.path), headers: headers,
            body: request.body, timeout: request.isStream ? nil : 60)
    }
}
