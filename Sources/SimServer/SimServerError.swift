import Foundation

/// Why the simulated API server could not start or persist its state: one sentence each,
/// naming the file or address involved.
public enum SimServerError: Error, Sendable, Hashable, CustomStringConvertible {
    case cannotWrite(path: String, errno: Int32)
    case badCertificate(path: String, detail: String)
    case cannotListen(address: String, detail: String)

    public var description: String {
        switch self {
        case .cannotWrite(let path, let code):
            "cannot write \(path): \(String(cString: strerror(code)))"
        case .badCertificate(let path, let detail):
            "cannot read the simulated cluster's certificate authority at \(path): \(detail) (delete the directory to make a new one)"
        case .cannotListen(let address, let detail):
            "cannot listen on \(address): \(detail)"
        }
    }
}
