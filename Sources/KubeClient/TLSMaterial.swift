/// Certificates and keys for one cluster, held in memory and handed to libcurl as blobs:
/// key material never touches a temporary file.
public struct TLSMaterial: Sendable, Hashable {
    /// PEM CA bundle to verify the server with; `nil` uses the system store.
    public var certificateAuthorityPEM: [UInt8]?
    public var clientCertificatePEM: [UInt8]?
    public var clientKeyPEM: [UInt8]?
    /// Skips server verification (kubeconfig `insecure-skip-tls-verify`); the caller warns.
    public var insecureSkipVerify: Bool

    public init(
        certificateAuthorityPEM: [UInt8]? = nil, clientCertificatePEM: [UInt8]? = nil, clientKeyPEM: [UInt8]? = nil,
        insecureSkipVerify: Bool = false
    ) {
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.insecureSkipVerify = insecureSkipVerify
    }
}
