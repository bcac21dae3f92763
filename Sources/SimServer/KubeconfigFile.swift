import Foundation
import Yams

/// The kubeconfig the simulated cluster writes for its users: one cluster, one user, one
/// context, with the CA and the client certificate embedded (`*-data`), as k3s writes
/// `/etc/rancher/k3s/k3s.yaml`.
public struct KubeconfigFile: Sendable, Hashable {
    public var server: String
    public var certificateAuthorityPEM: String
    public var contextName: String
    public var userName: String
    public var namespace: String?
    public var clientCertificatePEM: String?
    public var clientKeyPEM: String?
    public var token: String?

    public init(server: String, certificateAuthorityPEM: String, contextName: String = "flightdeck-sim",
        userName: String, namespace: String? = "agents", clientCertificatePEM: String? = nil,
        clientKeyPEM: String? = nil, token: String? = nil)
    {
        self.server = server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.contextName = contextName
        self.userName = userName
        self.namespace = namespace
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.token = token
    }

    public var yaml: String {
        func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        var cluster: [String: Any] = ["server": server]
        if server.hasPrefix("https") { cluster["certificate-authority-data"] = base64(certificateAuthorityPEM) }
        var user: [String: Any] = [:]
        if let clientCertificatePEM { user["client-certificate-data"] = base64(clientCertificatePEM) }
        if let clientKeyPEM { user["client-key-data"] = base64(clientKeyPEM) }
        if let token { user["token"] = token }
        var context: [String: Any] = ["cluster": contextName, "user": userName]
        if let namespace { context["namespace"] = namespace }
        let document: [String: Any] = [
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [["name": contextName, "cluster": cluster]],
            "users": [["name": userName, "user": user]],
            "contexts": [["name": contextName, "context": context]],
            "current-context": contextName,
            "preferences": [String: Any](),
        ]
        // Yams cannot fail on plain strings, arrays and dictionaries.
        return (try? Yams.dump(object: document, sortKeys: true)) ?? ""
    }

    /// Writes the file with mode 0600 (it holds a private key or a token).
    public func write(to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try SecretFile.write(yaml, to: url)
    }
}
