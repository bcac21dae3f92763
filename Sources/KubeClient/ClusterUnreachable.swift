import FlightdeckCore

/// No answer from the API server (refused, DNS, TLS, timeout): one sentence naming the
/// server, the context and what to try.
public struct ClusterUnreachable: Error, Sendable, CustomStringConvertible {
    public var server: String
    public var context: String
    public var detail: String
    public var curlCode: Int

    public init(connection: ClusterConnection, error: TransportError) {
        server = connection.server.absoluteString
        context = connection.contextName
        detail = TerminalSanitizer.sanitize(error.message)
        curlCode = error.code
    }

    public var description: String {
        var hint = "is the cluster running, and is this the right context? (flightdeck doctor checks)"
        switch curlCode {
        case 60, 77, 58, 35, 83, 90, 91:
            hint = "check the kubeconfig's certificate-authority and client certificate for this cluster"
        case 28:
            hint = "the server did not answer in time; check the address and any firewall"
        default: break
        }
        return "cannot reach the cluster at \(server) (context \(context)): \(detail); \(hint)"
    }
}
