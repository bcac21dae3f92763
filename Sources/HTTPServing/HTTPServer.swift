import Foundation
import NIOCore
import NIOHTTP1
import NIOHTTPCompression
import NIOPosix
import NIOSSL
import Synchronization

/// HTTP/1.1 on SwiftNIO, optionally over TLS: reads each request whole (bodies up to a limit,
/// gzip and deflate decoded up to a limit), hands it to the handler, and writes its answer —
/// whole, or streamed as the handler produces it.
///
/// Every buffer is bounded: a request body by `maxBodyBytes`, what waits in a connection's
/// send buffer by `writeBufferHighWater` (a streamed write then waits for the client), and
/// that wait by `stallTimeout`, after which the client is dropped. So a client that stops
/// reading costs its own connection, never the server's memory. At most `maxConnections`
/// are open at once; more are answered 503 and closed.
public final class HTTPServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        /// 0 picks a free port.
        public var port: Int
        /// The serving certificate chain and key, PEM; `nil` serves plain HTTP.
        public var tls: TLS?
        /// The largest request body, as sent and once decompressed.
        public var maxBodyBytes: Int
        public var maxConnections: Int
        /// How long a streamed write may wait for a client that does not read.
        public var stallTimeout: Duration
        /// Bytes a connection may hold unsent before its writes wait.
        public var writeBufferHighWater: Int

        public struct TLS: Sendable {
            public var certificatePEM: String
            public var privateKeyPEM: String
            /// Named in errors (the certificate file's path).
            public var source: String

            public init(certificatePEM: String, privateKeyPEM: String, source: String) {
                self.certificatePEM = certificatePEM
                self.privateKeyPEM = privateKeyPEM
                self.source = source
            }
        }

        public init(host: String = "127.0.0.1", port: Int = 0, tls: TLS? = nil, maxBodyBytes: Int = 8 << 20,
            maxConnections: Int = 4096, stallTimeout: Duration = .seconds(10), writeBufferHighWater: Int = 256 << 10)
        {
            self.host = host
            self.port = port
            self.tls = tls
            self.maxBodyBytes = maxBodyBytes
            self.maxConnections = maxConnections
            self.stallTimeout = stallTimeout
            self.writeBufferHighWater = writeBufferHighWater
        }
    }

    public typealias Handler = @Sendable (HTTPRequest) async -> HTTPResponse
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    public let port: Int
    public let configuration: Configuration
    private let serverChannel: any Channel
    private let tasks: Mutex<[Task<Void, Never>]> = Mutex([])
    private let connections = Connections()

    /// The open connections, each with when its pending write started (if one is waiting).
    final class Connections: Sendable {
        struct Entry {
            let channel: any Channel
            var waitingSince: ContinuousClock.Instant?
        }

        private let open = Mutex<[ObjectIdentifier: Entry]>([:])

        func insert(_ channel: any Channel, limit: Int) -> Bool {
            open.withLock { open in
                guard open.count < limit else { return false }
                open[ObjectIdentifier(channel)] = Entry(channel: channel)
                return true
            }
        }

        func remove(_ channel: any Channel) { _ = open.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) } }

        func waiting(_ channel: any Channel, since: ContinuousClock.Instant?) {
            open.withLock { $0[ObjectIdentifier(channel)]?.waitingSince = since }
        }

        var count: Int { open.withLock { $0.count } }

        /// Closes the connections whose write has waited longer than `timeout`.
        func dropStalled(olderThan timeout: Duration, now: ContinuousClock.Instant) {
            let stalled = open.withLock { open in
                open.values.filter { entry in entry.waitingSince.map { now - $0 > timeout } ?? false }.map(\.channel)
            }
            for channel in stalled { channel.close(promise: nil) }
        }

        func closeAll() {
            for channel in open.withLock({ $0.values.map(\.channel) }) { channel.close(promise: nil) }
        }
    }

    /// `http://HOST:PORT` or `https://`.
    public var url: String {
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return "\(configuration.tls == nil ? "http" : "https")://\(host):\(port)"
    }

    /// Connections open now.
    public var openConnections: Int { connections.count }

    /// Binds and serves `handler` until `shutdown`.
    public static func start(configuration: Configuration, handler: @escaping Handler) async throws -> HTTPServer {
        let sslContext = try makeSSLContext(configuration.tls)
        let maxBody = configuration.maxBodyBytes
        let highWater = max(1024, configuration.writeBufferHighWater)
        let channel: NIOAsyncChannel<Connection, Never>
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 1024)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.writeBufferWaterMark, value: .init(low: highWater / 2, high: highWater))
                .bind(host: configuration.host, port: configuration.port) { child in
                    child.eventLoop.makeCompletedFuture {
                        if let sslContext {
                            try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                        }
                        try child.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try child.pipeline.syncOperations.addHandler(NIOHTTPRequestDecompressor(limit: .size(maxBody)))
                        return try Connection(wrappingChannelSynchronously: child)
                    }
                }
        } catch let error as IOError {
            throw HTTPServerError.cannotListen(address: "\(configuration.host):\(configuration.port)",
                detail: String(cString: strerror(error.errnoCode)).lowercased())
        } catch {
            throw HTTPServerError.cannotListen(address: "\(configuration.host):\(configuration.port)", detail: "\(error)")
        }
        let port = channel.channel.localAddress?.port ?? configuration.port
        let server = HTTPServer(port: port, configuration: configuration, serverChannel: channel.channel)
        let connections = server.connections
        let accepting = Task {
            await withDiscardingTaskGroup { group in
                try? await channel.executeThenClose { inbound in
                    for try await connection in inbound {
                        guard connections.insert(connection.channel, limit: configuration.maxConnections) else {
                            group.addTask { await Self.refuse(connection) }
                            continue
                        }
                        group.addTask {
                            await Self.serve(connection, handler: handler, configuration: configuration,
                                connections: connections)
                            connections.remove(connection.channel)
                        }
                    }
                }
                group.cancelAll()
            }
        }
        let sweeping = Task {
            let interval = min(configuration.stallTimeout / 4, .seconds(1))
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                connections.dropStalled(olderThan: configuration.stallTimeout, now: .now)
            }
        }
        server.tasks.withLock { $0 = [accepting, sweeping] }
        return server
    }

    private static func makeSSLContext(_ tls: Configuration.TLS?) throws -> NIOSSLContext? {
        guard let tls else { return nil }
        do {
            var tlsConfiguration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(tls.certificatePEM.utf8)).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(tls.privateKeyPEM.utf8), format: .pem)))
            tlsConfiguration.applicationProtocols = ["http/1.1"]
            tlsConfiguration.minimumTLSVersion = .tlsv12
            tlsConfiguration.shutdownTimeout = .milliseconds(200)
            return try NIOSSLContext(configuration: tlsConfiguration)
        } catch {
            throw HTTPServerError.badCertificate(path: tls.source, detail: "\(error)")
        }
    }

    private init(port: Int, configuration: Configuration, serverChannel: any Channel) {
        self.port = port
        self.configuration = configuration
        self.serverChannel = serverChannel
    }

    /// Stops listening and closes every connection (open streams end).
    public func shutdown() async {
        try? await serverChannel.close()
        let tasks = tasks.withLock { $0 }
        for task in tasks { task.cancel() }
        connections.closeAll()
        for task in tasks { await task.value }
    }

    // MARK: - Connections

    private static func refuse(_ connection: Connection) async {
        try? await connection.executeThenClose { _, outbound in
            var head = HTTPResponseHead(version: .http1_1, status: .serviceUnavailable)
            head.headers.add(name: "Content-Length", value: "0")
            head.headers.add(name: "Connection", value: "close")
            head.headers.add(name: "Retry-After", value: "5")
            try await outbound.write(.head(head))
            try await outbound.write(.end(nil))
        }
    }

    /// What reading one request came to.
    private enum Incoming {
        case request(HTTPRequestHead, [UInt8])
        /// Answered without the handler (too large, undecodable); the connection then closes.
        case refused(HTTPRequestHead, status: HTTPResponseStatus, message: String)
    }

    private static func serve(_ connection: Connection, handler: Handler, configuration: Configuration,
        connections: Connections) async
    {
        let channel = connection.channel
        try? await connection.executeThenClose { inbound, outbound in
            var parts = inbound.makeAsyncIterator()
            while true {
                let incoming: Incoming
                do {
                    guard let next = try await readRequest(&parts, maxBody: configuration.maxBodyBytes) else { return }
                    incoming = next
                } catch let error as NIOHTTPDecompression.DecompressionError {
                    if error == .limit {
                        try await writeRefusal(outbound, status: .payloadTooLarge,
                            message: "request body larger than \(configuration.maxBodyBytes) bytes once decompressed")
                    } else {
                        try await writeRefusal(outbound, status: .badRequest, message: "request body is not valid gzip or deflate")
                    }
                    return
                } catch is NIOHTTPDecompression.ExtraDecompressionError {
                    try await writeRefusal(outbound, status: .badRequest, message: "request body is not valid gzip or deflate")
                    return
                } catch {
                    return  // the peer went away, or sent what is not HTTP (answered 400 by NIO)
                }
                let keepAlive: Bool
                let response: HTTPResponse
                switch incoming {
                case .refused(let head, let status, let message):
                    _ = head
                    try await writeRefusal(outbound, status: status, message: message)
                    return
                case .request(let head, let body):
                    keepAlive = head.isKeepAlive
                    let headers = head.headers.map { (name: $0.name, value: $0.value) }
                    response = await handler(HTTPRequest(method: head.method.rawValue, target: head.uri,
                        headers: headers, body: body))
                    var responseHead = HTTPResponseHead(version: head.version, status: .init(statusCode: response.status))
                    for (name, value) in response.headers { responseHead.headers.add(name: name, value: value) }
                    switch response.body {
                    case .bytes(let bytes):
                        responseHead.headers.replaceOrAdd(name: "Content-Length", value: String(bytes.count))
                        if !keepAlive { responseHead.headers.replaceOrAdd(name: "Connection", value: "close") }
                        try await outbound.write(.head(responseHead))
                        if head.method != .HEAD, !bytes.isEmpty {
                            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes))))
                        }
                        try await outbound.write(.end(nil))
                        if !keepAlive { return }
                    case .stream(let produce):
                        responseHead.headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
                        responseHead.headers.replaceOrAdd(name: "Connection", value: "close")
                        try await outbound.write(.head(responseHead))
                        let writer = HTTPBodyWriter { bytes in
                            connections.waiting(channel, since: .now)
                            defer { connections.waiting(channel, since: nil) }
                            try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes))))
                        }
                        // The producer runs until it ends or the client leaves; either way the
                        // connection closes after it (the head said so).
                        let producing = Task { try await produce(writer) }
                        channel.closeFuture.whenComplete { _ in producing.cancel() }
                        try await withTaskCancellationHandler {
                            try await producing.value
                        } onCancel: {
                            producing.cancel()
                        }
                        try await outbound.write(.end(nil))
                        return
                    }
                }
            }
        }
    }

    /// Reads the next request's head and whole body; `nil` when the connection ended cleanly.
    private static func readRequest(_ parts: inout NIOAsyncChannelInboundStream<HTTPServerRequestPart>.AsyncIterator,
        maxBody: Int) async throws -> Incoming?
    {
        var requestHead: HTTPRequestHead?
        while requestHead == nil {
            guard let part = try await parts.next() else { return nil }
            if case .head(let head) = part { requestHead = head }
        }
        guard let head = requestHead else { return nil }
        var body: [UInt8] = []
        var tooLarge = false
        reading: while let part = try await parts.next() {
            switch part {
            case .body(let chunk):
                if body.count + chunk.readableBytes > maxBody { tooLarge = true } else if !tooLarge {
                    body.append(contentsOf: chunk.readableBytesView)
                }
            case .end: break reading
            case .head: return nil
            }
        }
        if tooLarge { return .refused(head, status: .payloadTooLarge, message: "request body larger than \(maxBody) bytes") }
        if let encoding = head.headers["Content-Encoding"].first?.lowercased(),
            !["gzip", "deflate", "identity", "x-gzip"].contains(encoding)
        {
            return .refused(head, status: .unsupportedMediaType, message: "unsupported Content-Encoding (gzip and deflate are)")
        }
        return .request(head, body)
    }

    private static func writeRefusal(_ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>,
        status: HTTPResponseStatus, message: String) async throws
    {
        let body = Array("{\"error\":\"\(message)\"}".utf8)
        var head = HTTPResponseHead(version: .http1_1, status: status)
        head.headers.add(name: "Content-Type", value: "application/json")
        head.headers.add(name: "Content-Length", value: String(body.count))
        head.headers.add(name: "Connection", value: "close")
        try await outbound.write(.head(head))
        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
        try await outbound.write(.end(nil))
    }
}
