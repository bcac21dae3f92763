/// A `users[].user.exec` entry: a program that prints an `ExecCredential` on stdout.
///
/// Cloud clusters (EKS's `aws eks get-token`, AKS's `kubelogin`, GKE's
/// `gke-gcloud-auth-plugin`) hand out short-lived credentials this way. Running one means
/// running a command named by a file, so Flightdeck runs it only when the operator allowed
/// it in Flightdeck's own config (`FlightdeckConfig.allowedExecCommands`).
public struct ExecPluginSpec: Sendable, Equatable {
    /// When the plugin may talk to the user; Flightdeck is a full-screen UI and never gives
    /// a plugin the terminal, so `always` is refused and the others run non-interactively.
    public enum InteractiveMode: String, Sendable, Equatable {
        case never = "Never"
        case ifAvailable = "IfAvailable"
        case always = "Always"
    }

    /// One `env` entry, in file order (a plugin may depend on it).
    public struct EnvVar: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// As written, except that a command containing a `/` and not absolute was resolved
    /// against the directory of the kubeconfig that named it (kubectl's rule); a bare name
    /// is looked up in `PATH` when it runs.
    public var command: String
    public var args: [String]
    public var env: [EnvVar]
    /// `client.authentication.k8s.io/v1` or `.../v1beta1`.
    public var apiVersion: String
    public var installHint: String?
    public var provideClusterInfo: Bool
    /// `nil` when the file does not say (allowed for v1beta1, an error for v1, as in kubectl).
    public var interactiveMode: InteractiveMode?

    public init(
        command: String, args: [String] = [], env: [EnvVar] = [],
        apiVersion: String, installHint: String? = nil,
        provideClusterInfo: Bool = false, interactiveMode: InteractiveMode? = nil
    ) {
        self.command = command
        self.args = args
        self.env = env
        self.apiVersion = apiVersion
        self.installHint = installHint
        self.provideClusterInfo = provideClusterInfo
        self.interactiveMode = interactiveMode
    }

    /// The API versions of the exec credential protocol that kubectl still speaks
    /// (v1alpha1 was removed in Kubernetes 1.24).
    public static let supportedAPIVersions = [
        "client.authentication.k8s.io/v1",
        "client.authentication.k8s.io/v1beta1",
    ]

    /// The last path component: what an allow-list entry without a `/` is compared with.
    public var commandBasename: String {
        command.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? command
    }
}
