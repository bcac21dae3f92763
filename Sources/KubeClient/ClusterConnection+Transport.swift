import Foundation

extension ClusterConnection {
    /// The TLS material for a transport to this cluster: CA, client certificate and key,
    /// straight from memory.
    public var tlsMaterial: TLSMaterial {
        TLSMaterial(
            certificateAuthorityPEM: certificateAuthority, clientCertificatePEM: clientCertificate,
            clientKeyPEM: clientKey, insecureSkipVerify: insecureSkipTLSVerify)
    }

    /// The `Authorization` header line for this user's static credentials, read now (a token
    /// file is re-read on every call, so a rotated service-account token is picked up).
    /// `nil` when the user authenticates with a client certificate, or with an exec plugin
    /// (whose credential the caller obtains from `ExecCredentialProvider`).
    public func authorizationHeader() throws(KubeconfigError) -> String? {
        if let bearerToken {
            let token = try bearerToken.current()
            // A token is one header value: a CR or LF in it would smuggle in more headers.
            guard !token.isEmpty, token.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                throw KubeconfigError(
                    .invalidField, file: userOrigin,
                    "the bearer token for user \(userName) is empty or holds control characters")
            }
            return "Authorization: Bearer " + token
        }
        if let basicAuth {
            let pair = Data("\(basicAuth.username):\(basicAuth.password)".utf8).base64EncodedString()
            return "Authorization: Basic " + pair
        }
        return nil
    }

    /// The absolute URL of an API path on this cluster (keeps a server path prefix, as
    /// Rancher's proxy URLs have).
    public func url(path: String) -> String {
        var base = server.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return base + (path.hasPrefix("/") ? path : "/" + path)
    }
}
