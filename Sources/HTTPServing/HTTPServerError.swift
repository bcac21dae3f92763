/// Why the server could not start, in one line naming what and where.
public enum HTTPServerError: Error, Sendable, CustomStringConvertible {
    case cannotListen(address: String, detail: String)
    case badCertificate(path: String, detail: String)

    public var description: String {
        switch self {
        case .cannotListen(let address, let detail): "cannot listen on \(address): \(detail)"
        case .badCertificate(let path, let detail): "\(path): not a usable certificate and key: \(detail)"
        }
    }
}
