/// A kubeconfig as kubectl reads it: named clusters, users and contexts, and a current context.
///
/// It may be the contents of one file or the merge of several (`KUBECONFIG=a:b`), so every
/// entry remembers the file that defined it (`origin`): relative paths inside an entry were
/// resolved against that file's directory when it was parsed (kubectl's rule), and errors
/// and warnings about an entry name that file, not whichever file happened to be first.
///
/// Only what Flightdeck needs is modelled; unknown keys (preferences, extensions,
/// disable-compression, ...) are ignored, as kubectl ignores what it does not know.
/// Base64 `*-data` fields are kept as the text the file holds and decoded when a context is
/// resolved, so a bad value in an unused entry does not stop anything.
public struct Kubeconfig: Sendable, Equatable {
    /// How to reach one API server.
    public struct Cluster: Sendable, Equatable {
        public var server: String?
        /// An absolute path (resolved against `origin`'s directory when it was relative).
        public var certificateAuthority: String?
        /// Base64 of PEM, as written in the file.
        public var certificateAuthorityData: String?
        public var insecureSkipTLSVerify: Bool
        public var tlsServerName: String?
        public var proxyURL: String?
        /// The absolute path of the file that defined this cluster.
        public var origin: String
        /// Where the entry starts in `origin`.
        public var mark: SourceMark?

        public init(
            server: String? = nil, certificateAuthority: String? = nil,
            certificateAuthorityData: String? = nil, insecureSkipTLSVerify: Bool = false,
            tlsServerName: String? = nil, proxyURL: String? = nil,
            origin: String, mark: SourceMark? = nil
        ) {
            self.server = server
            self.certificateAuthority = certificateAuthority
            self.certificateAuthorityData = certificateAuthorityData
            self.insecureSkipTLSVerify = insecureSkipTLSVerify
            self.tlsServerName = tlsServerName
            self.proxyURL = proxyURL
            self.origin = origin
            self.mark = mark
        }
    }

    /// Who to be on a cluster: kubectl's `AuthInfo`.
    public struct User: Sendable, Equatable {
        /// Absolute path of a PEM client certificate.
        public var clientCertificate: String?
        /// Base64 of a PEM client certificate.
        public var clientCertificateData: String?
        /// Absolute path of a PEM private key.
        public var clientKey: String?
        /// Base64 of a PEM private key.
        public var clientKeyData: String?
        public var token: String?
        /// Absolute path of a file holding a bearer token, re-read on each use.
        public var tokenFile: String?
        public var username: String?
        public var password: String?
        public var exec: ExecPluginSpec?
        /// The name of an `auth-provider` (gcp, azure, oidc): kept only to refuse it clearly.
        public var authProvider: String?
        public var origin: String
        public var mark: SourceMark?

        public init(
            clientCertificate: String? = nil, clientCertificateData: String? = nil,
            clientKey: String? = nil, clientKeyData: String? = nil,
            token: String? = nil, tokenFile: String? = nil,
            username: String? = nil, password: String? = nil,
            exec: ExecPluginSpec? = nil, authProvider: String? = nil,
            origin: String, mark: SourceMark? = nil
        ) {
            self.clientCertificate = clientCertificate
            self.clientCertificateData = clientCertificateData
            self.clientKey = clientKey
            self.clientKeyData = clientKeyData
            self.token = token
            self.tokenFile = tokenFile
            self.username = username
            self.password = password
            self.exec = exec
            self.authProvider = authProvider
            self.origin = origin
            self.mark = mark
        }

        /// True when the entry itself holds a secret (or points at a key), which makes the
        /// file that holds it worth protecting: a token, key data, a key file reference, a
        /// password.
        public var holdsCredentials: Bool {
            func set(_ value: String?) -> Bool { !(value ?? "").isEmpty }
            return set(token) || set(clientKeyData) || set(clientKey) || set(password)
        }
    }

    /// A cluster, a user and a default namespace, under one name.
    public struct Context: Sendable, Equatable {
        public var cluster: String
        public var user: String
        public var namespace: String?
        public var origin: String
        public var mark: SourceMark?

        public init(cluster: String, user: String, namespace: String? = nil, origin: String, mark: SourceMark? = nil) {
            self.cluster = cluster
            self.user = user
            self.namespace = namespace
            self.origin = origin
            self.mark = mark
        }
    }

    public var clusters: [String: Cluster]
    public var users: [String: User]
    public var contexts: [String: Context]
    public var currentContext: String?
    /// The file that set `currentContext`.
    public var currentContextOrigin: String?
    /// The files this config was read from, in precedence order.
    public var files: [String]

    public init(
        clusters: [String: Cluster] = [:], users: [String: User] = [:],
        contexts: [String: Context] = [:], currentContext: String? = nil,
        currentContextOrigin: String? = nil, files: [String] = []
    ) {
        self.clusters = clusters
        self.users = users
        self.contexts = contexts
        self.currentContext = currentContext
        self.currentContextOrigin = currentContextOrigin
        self.files = files
    }

    /// True when there is nothing to connect with (kubectl then tries in-cluster config).
    public var isEmpty: Bool {
        clusters.isEmpty && users.isEmpty && contexts.isEmpty && (currentContext ?? "").isEmpty
    }
}
