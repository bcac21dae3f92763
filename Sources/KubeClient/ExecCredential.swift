import FlightdeckCore
import Foundation

/// What an exec credential plugin hands back (`ExecCredential.status`), checked.
///
/// Unlike a kubeconfig's `*-data` fields, `clientCertificateData` and `clientKeyData` here
/// are PEM text, not base64 (the protocol's definition).
public struct ExecCredential: Sendable, Equatable {
    public var token: String?
    public var clientCertificate: [UInt8]?
    public var clientKey: [UInt8]?
    /// When to run the plugin again; `nil` means the credential is kept until `invalidate()`
    /// (after a 401), as kubectl does.
    public var expiration: Date?

    public init(token: String? = nil, clientCertificate: [UInt8]? = nil, clientKey: [UInt8]? = nil, expiration: Date? = nil) {
        self.token = token
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.expiration = expiration
    }

    /// Reads a plugin's stdout with client-go's checks: kind `ExecCredential`, the
    /// apiVersion that was asked for, a `status` holding a token or a certificate AND key.
    /// Throws the reason as text, for the caller to put in its one-line error.
    static func parse(_ stdout: [UInt8], expectedAPIVersion: String) throws(ExecCredentialParseError) -> ExecCredential {
        let value: JSONValue
        do {
            value = try JSONParser().parse(stdout)
        } catch {
            throw ExecCredentialParseError(reason: "its output is not JSON (\(error))")
        }
        guard case .object = value else { throw .init(reason: "its output is not a JSON object") }
        let kind = value["kind"]?.stringValue ?? ""
        guard kind == "ExecCredential" else {
            throw .init(reason: "its output has kind '\(kind)', not ExecCredential")
        }
        let apiVersion = value["apiVersion"]?.stringValue ?? ""
        guard apiVersion == expectedAPIVersion else {
            throw .init(reason: "it answered apiVersion '\(apiVersion)' to a \(expectedAPIVersion) request")
        }
        guard let status = value["status"], case .object = status else {
            throw .init(reason: "its output has no status")
        }
        var credential = ExecCredential()
        if let token = status["token"]?.stringValue, !token.isEmpty { credential.token = token }
        let certificate = status["clientCertificateData"]?.stringValue.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
        let key = status["clientKeyData"]?.stringValue.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
        if (certificate == nil) != (key == nil) {
            throw .init(reason: "it returned only a client certificate or only a key, not both")
        }
        if let certificate, let key {
            guard PEM.contains(PEM.certificateLabels, in: certificate) else {
                throw .init(reason: "its clientCertificateData holds no PEM CERTIFICATE block")
            }
            guard PEM.contains(PEM.privateKeyLabels, in: key) else {
                throw .init(reason: "its clientKeyData holds no PEM private key block")
            }
            credential.clientCertificate = certificate
            credential.clientKey = key
        }
        if credential.token == nil, credential.clientCertificate == nil {
            throw .init(reason: "it returned neither a token nor a client certificate and key")
        }
        if let stamp = status["expirationTimestamp"]?.stringValue, !stamp.isEmpty {
            guard let date = RFC3339.date(from: stamp) else {
                throw .init(reason: "its expirationTimestamp '\(stamp)' is not an RFC 3339 time")
            }
            credential.expiration = date
        }
        return credential
    }
}

/// Why a plugin's output was refused (a phrase, put into a `KubeconfigError`).
struct ExecCredentialParseError: Error {
    var reason: String
}

extension ExecCredential: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        var parts: [String] = []
        if token != nil { parts.append("token [redacted]") }
        if clientCertificate != nil { parts.append("client certificate and key") }
        if let expiration { parts.append("expires \(RFC3339.string(from: expiration))") }
        return "ExecCredential(" + parts.joined(separator: ", ") + ")"
    }

    public var debugDescription: String { description }
}
