import Foundation

/// Everything the transport needs to talk to one API server: the result of resolving a
/// kubeconfig context (or the in-cluster service account), checked and read into memory.
///
/// Certificates and keys are bytes, never paths: the transport hands them to libcurl as
/// blobs (`CURLOPT_SSLCERT_BLOB`, `CURLOPT_SSLKEY_BLOB`, `CURLOPT_CAINFO_BLOB`), so a key
/// that came from `client-key-data` or an exec plugin is never written to a temp file.
/// A token file is kept as a path and re-read on each use, so rotated tokens (projected
/// service-account tokens rotate hourly) keep working.
///
/// `description` never shows a secret: a connection may be logged or put in a bug report.
public struct ClusterConnection: Sendable, Equatable {
    /// Where the configuration came from, in kubectl's precedence order.
    public enum Source: String, Sendable, Equatable {
        /// `--kubeconfig PATH`.
        case explicitFile
        /// The `KUBECONFIG` list.
        case kubeconfigEnvironment
        /// `~/.kube/config`.
        case homeConfig
        /// `/etc/rancher/k3s/k3s.yaml`: Flightdeck's addition, for running on the k3s node.
        case k3sDefault
        /// The pod's service account (`KUBERNETES_SERVICE_HOST` and the mounted token).
        case inCluster
    }

    /// A bearer token, fixed or read from a file each time it is needed.
    public enum BearerToken: Sendable, Equatable {
        case literal(String)
        /// A `tokenFile` (or the in-cluster token). When the user also had a `token`, that
        /// is `fallback`, used only if the file cannot be read (client-go's behaviour).
        case file(path: String, fallback: String?)

        /// The token to send now: a file is read again on every call.
        public func current() throws(KubeconfigError) -> String {
            switch self {
            case .literal(let token):
                return token
            case .file(let path, let fallback):
                switch LocalFile.load(path, maxSize: 1024 * 1024) {
                case .success(let file):
                    let token = String(decoding: file.bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                    if !token.isEmpty { return token }
                    if let fallback { return fallback }
                    throw KubeconfigError(.unreadableFile, file: path, "token file \(path) is empty; check the path in tokenFile or the mounted service account")
                case .failure(let failure):
                    if let fallback { return fallback }
                    let reason: String
                    switch failure {
                    case .missing: reason = "no such file"
                    case .unreadable(let why): reason = why
                    case .tooLarge: reason = "larger than 1 MiB, not a token"
                    }
                    throw KubeconfigError(.unreadableFile, file: path, "cannot read token file \(path): \(reason); check the path in tokenFile or the mounted service account")
                }
            }
        }
    }

    /// HTTP basic credentials (`username`/`password` in the user entry).
    public struct BasicAuth: Sendable, Equatable {
        public var username: String
        public var password: String
        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }

    public var source: Source
    /// `in-cluster` for the service account.
    public var contextName: String
    public var clusterName: String
    /// Empty when the context names no user (anonymous access).
    public var userName: String
    /// Validated: http or https, with a host; may carry a path prefix (Rancher's proxy).
    public var server: URL
    public var host: String
    /// The explicit port, else 443 for https and 80 for http.
    public var port: Int
    public var namespace: String
    /// PEM bytes of the CA bundle; `nil` means the system trust store.
    public var certificateAuthority: [UInt8]?
    public var clientCertificate: [UInt8]?
    public var clientKey: [UInt8]?
    public var bearerToken: BearerToken?
    public var basicAuth: BasicAuth?
    public var insecureSkipTLSVerify: Bool
    public var tlsServerName: String?
    public var proxyURL: String?
    /// Allowed by `FlightdeckConfig` when present; run it with `ExecCredentialProvider`.
    public var execPlugin: ExecPluginSpec?
    /// The kubeconfig file that defined the user (named in exec plugin errors).
    public var userOrigin: String?
    /// Things the operator should know (TLS off, a world-readable key), one line each.
    public var warnings: [String]
    /// The files the configuration was read from, in precedence order.
    public var sourceFiles: [String]

    public init(
        source: Source, contextName: String, clusterName: String, userName: String,
        server: URL, host: String, port: Int, namespace: String,
        certificateAuthority: [UInt8]? = nil, clientCertificate: [UInt8]? = nil, clientKey: [UInt8]? = nil,
        bearerToken: BearerToken? = nil, basicAuth: BasicAuth? = nil,
        insecureSkipTLSVerify: Bool = false, tlsServerName: String? = nil, proxyURL: String? = nil,
        execPlugin: ExecPluginSpec? = nil, userOrigin: String? = nil,
        warnings: [String] = [], sourceFiles: [String] = []
    ) {
        self.source = source
        self.contextName = contextName
        self.clusterName = clusterName
        self.userName = userName
        self.server = server
        self.host = host
        self.port = port
        self.namespace = namespace
        self.certificateAuthority = certificateAuthority
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.bearerToken = bearerToken
        self.basicAuth = basicAuth
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.tlsServerName = tlsServerName
        self.proxyURL = proxyURL
        self.execPlugin = execPlugin
        self.userOrigin = userOrigin
        self.warnings = warnings
        self.sourceFiles = sourceFiles
    }

    /// The names of the credentials in use, for status lines: `client certificate`,
    /// `token file /path`, `exec aws`.
    public var authSummary: String {
        var parts: [String] = []
        if clientCertificate != nil { parts.append("client certificate") }
        switch bearerToken {
        case .literal?: parts.append("token")
        case .file(let path, _)?: parts.append("token file \(path)")
        case nil: break
        }
        if let basicAuth { parts.append("basic auth as \(basicAuth.username)") }
        if let execPlugin { parts.append("exec \(execPlugin.commandBasename)") }
        return parts.isEmpty ? "anonymous" : parts.joined(separator: ", ")
    }
}

// MARK: - Secret-free description

extension ClusterConnection: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        "context \(contextName) (cluster \(clusterName), user \(userName.isEmpty ? "-" : userName)) at \(server.absoluteString), namespace \(namespace), auth: \(authSummary)\(insecureSkipTLSVerify ? ", TLS verification OFF" : "")"
    }

    public var debugDescription: String { description }
}

extension ClusterConnection.BearerToken: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        switch self {
        case .literal: return "token [redacted]"
        case .file(let path, _): return "token file \(path)"
        }
    }

    public var debugDescription: String { description }
}

extension ClusterConnection.BasicAuth: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String { "basic auth \(username):[redacted]" }
    public var debugDescription: String { description }
}
