import FlightdeckCore
import Foundation
import KubeModel
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SimCluster
import Synchronization

/// The simulated cluster's API server on the wire: HTTP/1.1 on loopback, over TLS with
/// client-certificate and bearer-token authentication as kube-apiserver does, handing each
/// request to an `APIRouter` and streaming watches and log follows as chunked responses.
///
/// Each connection is a task; a streamed response ends when its source ends, when the
/// client goes away (the store's watcher is released at once), or when the server stops.
public final class APIServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        /// 0 picks a free port.
        public var port: Int
        /// The serving certificate and key, and the CA client certificates must chain to;
        /// `nil` serves plain HTTP (benchmarks and tests of the plain path).
        public var tls: TLS?
        /// Bearer tokens and who they authenticate (a static token file, as k3s's).
        public var tokens: [String: UserInfo]

        public struct TLS: Sendable {
            public var certificatePEM: String
            public var privateKeyPEM: String
            public var clientCAPEM: String

            public init(certificatePEM: String, privateKeyPEM: String, clientCAPEM: String) {
                self.certificatePEM = certificatePEM
                self.privateKeyPEM = privateKeyPEM
                self.clientCAPEM = clientCAPEM
            }
        }

        public init(host: String = "127.0.0.1", port: Int = 0, tls: TLS? = nil, tokens: [String: UserInfo] = [:]) {
            self.host = host
            self.port = port
            self.tls = tls
            self.tokens = tokens
        }
    }

    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    /// The port the server listens on.
    public let port: Int
    public let configuration: Configuration
    private let serverChannel: any Channel
    private let acceptTask: Mutex<Task<Void, Never>?> = Mutex(nil)
    /// Open connections, closed by `shutdown` (their tasks may be parked in a read).
    private let connections = Connections()

    final class Connections: Sendable {
        private let open = Mutex<[ObjectIdentifier: any Channel]>([:])
        func insert(_ channel: any Channel) { open.withLock { $0[ObjectIdentifier(channel)] = channel } }
        func remove(_ channel: any Channel) { _ = open.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) } }
        func closeAll() {
            for channel in open.withLock({ Array($0.values) }) { channel.close(promise: nil) }
        }
    }

    /// `https://127.0.0.1:PORT` (or `http://`).
    public var url: String {
        "\(configuration.tls == nil ? "http" : "https")://\(configuration.host):\(port)"
    }

    /// Binds and starts serving `router` (built from the server's own URL).
    public static func start(configuration: Configuration, router makeRouter: @escaping @Sendable (String) -> APIRouter)
        async throws -> APIServer
    {
        let sslContext = try makeSSLContext(configuration.tls)
        let channel: NIOAsyncChannel<Connection, Never>
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: configuration.host, port: configuration.port) { child in
                    child.eventLoop.makeCompletedFuture {
                        if let sslContext {
                            try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                        }
                        try child.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        return try Connection(wrappingChannelSynchronously: child)
                    }
                }
        } catch {
            throw SimServerError.cannotListen(address: "\(configuration.host):\(configuration.port)", detail: "\(error)")
        }
        let port = channel.channel.localAddress?.port ?? configuration.port
        let server = APIServer(port: port, configuration: configuration, serverChannel: channel.channel)
        let scheme = configuration.tls == nil ? "http" : "https"
        let router = makeRouter("\(scheme)://\(configuration.host):\(port)")
        let tokens = configuration.tokens
        let connections = server.connections
        let task = Task {
            await withDiscardingTaskGroup { group in
                try? await channel.executeThenClose { inbound in
                    for try await connection in inbound {
                        connections.insert(connection.channel)
                        group.addTask {
                            await Self.serve(connection, router: router, tokens: tokens)
                            connections.remove(connection.channel)
                        }
                    }
                }
                group.cancelAll()
            }
        }
        server.acceptTask.withLock { $0 = task }
        return server
    }


    private static func makeSSLContext(_ tls: Configuration.TLS?) throws -> NIOSSLContext? {
        guard let tls else { return nil }
        do {
            var tlsConfiguration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(tls.certificatePEM.utf8)).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(tls.privateKeyPEM.utf8), format: .pem)))
            tlsConfiguration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(tls.clientCAPEM.utf8)))
            tlsConfiguration.certificateVerification = .optionalVerification
            tlsConfiguration.applicationProtocols = ["http/1.1"]
            tlsConfiguration.minimumTLSVersion = .tlsv12
            // Closing waits this long for the peer's close_notify (5 s by default).
            tlsConfiguration.shutdownTimeout = .milliseconds(200)
            return try NIOSSLContext(configuration: tlsConfiguration)
        } catch {
            throw SimServerError.badCertificate(path: "the serving certificate", detail: "\(error)")
        }
    }

    private init(port: Int, configuration: Configuration, serverChannel: any Channel) {
        self.port = port
        self.configuration = configuration
        self.serverChannel = serverChannel
    }

    /// Stops listening and ends every connection (open watches see their stream end).
    public func shutdown() async {
        try? await serverChannel.close()
        let task = acceptTask.withLock { $0 }
        task?.cancel()
        connections.closeAll()
        await task?.value
    }

    // MARK: - Connections

    private static func serve(_ connection: Connection, router: APIRouter, tokens: [String: UserInfo]) async {
        // Read once the first request arrived: the TLS handshake is complete by then.
        var certificateUser: UserInfo??
        let closed = connection.channel.closeFuture
        try? await connection.executeThenClose { inbound, outbound in
            var parts = inbound.makeAsyncIterator()
            while let part = try await parts.next() {
                guard case .head(let head) = part else { continue }
                var body: [UInt8] = []
                var tooLarge = false
                reading: while let part = try await parts.next() {
                    switch part {
                    case .body(let chunk):
                        if body.count + chunk.readableBytes > APIRouter.maxBodyBytes { tooLarge = true } else {
                            body.append(contentsOf: chunk.readableBytesView)
                        }
                    case .end: break reading
                    case .head: return
                    }
                }
                let response: APIServerResponse
                if tooLarge {
                    response = .status(Status.make(code: 413, reason: "RequestEntityTooLarge", message: "request entity too large"))
                } else {
                    let headers = head.headers.map { (name: $0.name, value: $0.value) }
                    if certificateUser == nil { certificateUser = .some(await clientCertificateUser(connection.channel)) }
                    switch authenticate(headers, certificateUser: certificateUser ?? nil, tokens: tokens) {
                    case .failure(let status):
                        response = .status(status)
                    case .success(let user):
                        do throws(QueryError) {
                            let request = try APIServerRequest(method: head.method.rawValue, target: head.uri,
                                headers: headers, body: body, user: user)
                            response = await router.handle(request)
                        } catch {
                            response = .status(Status.badRequest("malformed query: \(error.message)"))
                        }
                    }
                }
                let keepAlive = head.isKeepAlive
                switch response {
                case .full(let status, let headers, let bytes):
                    var responseHead = HTTPResponseHead(version: head.version, status: .init(statusCode: status))
                    for (name, value) in headers { responseHead.headers.add(name: name, value: value) }
                    responseHead.headers.replaceOrAdd(name: "Content-Length", value: String(bytes.count))
                    responseHead.headers.replaceOrAdd(name: "Audit-Id", value: UUID().uuidString.lowercased())
                    if !keepAlive { responseHead.headers.replaceOrAdd(name: "Connection", value: "close") }
                    try await outbound.write(.head(responseHead))
                    if head.method != .HEAD, !bytes.isEmpty {
                        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes))))
                    }
                    try await outbound.write(.end(nil))
                    if !keepAlive { return }
                case .stream(let status, let headers, let chunks):
                    var responseHead = HTTPResponseHead(version: head.version, status: .init(statusCode: status))
                    for (name, value) in headers { responseHead.headers.add(name: name, value: value) }
                    responseHead.headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
                    responseHead.headers.replaceOrAdd(name: "Cache-Control", value: "no-cache, private")
                    responseHead.headers.replaceOrAdd(name: "Connection", value: "close")
                    try await outbound.write(.head(responseHead))
                    // The stream runs until its source ends or the client leaves; the
                    // connection then closes (a stream is the last request on it, and the
                    // head says so, so clients never queue another request behind it).
                    let writer = Task {
                        for await chunk in chunks where !chunk.isEmpty {
                            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: chunk))))
                        }
                        try await outbound.write(.end(nil))
                    }
                    closed.whenComplete { _ in writer.cancel() }
                    try await withTaskCancellationHandler {
                        try await writer.value
                    } onCancel: {
                        writer.cancel()
                    }
                    return
                }
            }
        }
    }

    /// The user of a verified client certificate, if the client sent one.
    private static func clientCertificateUser(_ channel: any Channel) async -> UserInfo? {
        guard let certificate = try? await channel.nioSSL_peerCertificate().get(),
            let der = try? certificate.toDERBytes(),
            let identity = CertificateAuthority.identity(ofDER: der)
        else { return nil }
        return UserInfo(name: identity.user, groups: identity.groups + ["system:authenticated"])
    }

    /// Bearer token first (a wrong one is refused even with a certificate), then the
    /// client certificate; neither is anonymous, which k3s does not allow.
    static func authenticate(_ headers: [(name: String, value: String)], certificateUser: UserInfo?,
        tokens: [String: UserInfo]) -> Result<UserInfo?, Status>
    {
        if let authorization = headers.first(where: { $0.name.lowercased() == "authorization" })?.value {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                guard var user = tokens[String(parts[1])] else {
                    return .failure(Status.make(code: 401, reason: "Unauthorized", message: "Unauthorized"))
                }
                user.groups.append("system:authenticated")
                return .success(user)
            }
        }
        return .success(certificateUser)
    }
}
