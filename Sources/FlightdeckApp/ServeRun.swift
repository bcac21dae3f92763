import Foundation
import HTTPServing
import HistoryStore
import Orchestrator

/// `flightdeck serve` (and `record --serve`) running: the server over the API until `stop`
/// returns, then every connection closed.
public enum ServeRun {
    /// The lines said at start: where it serves, and where the token is.
    public static func banner(_ server: HTTPServer, listener: ServeListener, api: ServeAPI) -> [String] {
        var lines = ["serving \(server.url) (OpenAPI at \(server.url)/api/openapi.json)"
            + (api.options.actions != nil ? "; actions allowed" : "; no actions")
            + (api.options.otlp != nil ? "; OTLP ingest at \(server.url)/v1/traces" : "")]
        if let path = listener.tokenPath {
            lines.append(listener.tokenCreated ? "bearer token made in \(path) (mode 0600)" : "bearer token from \(path)")
        }
        return lines
    }

    /// Starts serving `api` and says where.
    public static func start(_ api: ServeAPI, listener: ServeListener, say: @Sendable (String) -> Void) async throws
        -> HTTPServer
    {
        let server: HTTPServer
        do {
            server = try await HTTPServer.start(configuration: listener.configuration) { await api.handle($0) }
        } catch let error as HTTPServerError {
            throw OperatorError(error.description)
        }
        for line in banner(server, listener: listener, api: api) { say(line) }
        return server
    }

    /// Serves `api` until `stop` returns.
    public static func serve(_ api: ServeAPI, listener: ServeListener, say: @escaping @Sendable (String) -> Void,
        until stop: @escaping @Sendable () async -> Void) async throws
    {
        let server = try await start(api, listener: listener, say: say)
        await stop()
        await server.shutdown()
    }
}
