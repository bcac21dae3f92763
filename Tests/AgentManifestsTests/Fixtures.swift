import AgentManifests
import FlightdeckCore
import Foundation
import KubeModel

/// The tasks and settings the tests build manifests from: fixed values, so golden files are stable.
enum Fixtures {
    static let uuid = "3f2a9c1e-4b7d-4e2a-9f10-6c5d8e7a1b20"

    static var task: AgentTask {
        AgentTask(
            uuid: uuid, image: "ghcr.io/flightdeck/sim-agent:1", prompt: "Fix the failing test in parser_test.py.\nKeep the public API.",
            repoURL: "https://github.com/acme/parser", title: "parser fix",
            secretFiles: ["openai-key": "sk-not-a-real-key", "github-token": "ghp_not_a_real_token"],
            resources: TaskResources(cpu: "500m", cpuLimit: "2", memory: "2Gi", workspaceSize: "5Gi", shmSize: "256Mi"),
            backoffLimit: 3, activeDeadlineSeconds: 14_400, ttlSecondsAfterFinished: 86_400,
            environment: ["SIM_AGENT_STEPS": "3", "SIM_AGENT_PACE": "0"], labels: ["team": "compilers"],
            queue: "homelab", priority: .high)
    }

    static var settings: ClusterSettings { ClusterSettings() }

    /// Tier 2 on an in-cluster MinIO.
    static var objectStoreSettings: ClusterSettings {
        var settings = ClusterSettings()
        settings.objectStore = ObjectStoreSettings(endpoint: "http://minio.minio.svc.cluster.local:9000", bucket: "workspaces",
            credentialsSecret: "flightdeck-object-store")
        return settings
    }

    /// Everything outside: an existing NATS and proxy, and public S3.
    static var externalSettings: ClusterSettings {
        var settings = ClusterSettings(namespace: "lab", natsURL: "nats://nats.example.net:4222")
        settings.egressProxy = EgressProxySettings(host: "proxy.example.net", port: 8080, cidr: "203.0.113.10/32")
        settings.objectStore = ObjectStoreSettings(endpoint: "https://s3.eu-west-1.amazonaws.com", bucket: "acme-workspaces")
        settings.fatalExitCode = 17
        return settings
    }

    static let owner = OwnerReference(apiVersion: "batch/v1", kind: "Job", name: "agent-3f2a9c1e4b7d",
        uid: "8d1c2b3a-0000-4000-8000-000000000001")

    /// Every manifest of the task for `settings`, Job first; with `natsCredentials`, the job's
    /// NATS user is in its Secret and mounted.
    static func taskObjects(_ task: AgentTask = task, _ settings: ClusterSettings = settings, suspended: Bool = true,
        natsCredentials: String? = nil) -> [JSONValue]
    {
        [
            TaskManifests.job(task, settings: settings, suspended: suspended, natsCredentials: natsCredentials != nil),
            TaskManifests.workspaceClaim(task, settings: settings, owner: owner),
            TaskManifests.secret(task, settings: settings, owner: owner, natsCredentials: natsCredentials),
        ]
    }

    // MARK: - NATS identities

    /// Public keys of the fixture operator and accounts (NKey shape: role letter + 55 base32).
    static let operatorKey = "OFLIGHTDECKOPERATORAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    static let accountKey = "AFLIGHTDECKACCOUNTAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    static let systemAccountKey = "ASYSTEMACCOUNTAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

    /// A JWT of the shape nsc and Flightdeck mint (`{"typ":"JWT","alg":"ed25519-nkey"}`, the
    /// claims, a signature): the claims are real, the signature is not (nothing here checks it).
    static func jwt(subject: String, type: String, name: String) -> String {
        func segment(_ json: String) -> String {
            Data(json.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let claims = #"{"jti":"\#(name)-jti","iat":1764400000,"iss":"\#(operatorKey)","name":"\#(name)","sub":"\#(subject)","nats":{"type":"\#(type)","version":2}}"#
        return segment(#"{"typ":"JWT","alg":"ed25519-nkey"}"#) + "." + segment(claims) + "." + segment("not a signature")
    }

    static var natsAuthorizationSettings: NATSAuthorizationSettings {
        NATSAuthorizationSettings(operatorJWT: jwt(subject: operatorKey, type: "operator", name: "flightdeck"),
            systemAccount: systemAccountKey,
            accountJWTs: [accountKey: jwt(subject: accountKey, type: "account", name: "FLIGHTDECK"),
                systemAccountKey: jwt(subject: systemAccountKey, type: "account", name: "SYS")])
    }

    static var natsAuthorization: NATSAuthorization { .jwt(natsAuthorizationSettings) }

    /// A job's `.creds` file in the NATS format (the JWT and seed are placeholders).
    static let natsCredentials = """
        -----BEGIN NATS USER JWT-----
        eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJzdWIiOiJVSk9CIn0.bm90LWEtc2lnbmF0dXJl
        ------END NATS USER JWT------

        ************************* IMPORTANT *************************
        NKEY Seed printed below can be used to sign and prove identity.
        NKEYs are sensitive and should be treated as secrets.

        -----BEGIN USER NKEY SEED-----
        SUANOTAREALSEEDAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
        ------END USER NKEY SEED------

        *************************************************************

        """

    /// The bundle as `flightdeck install` makes it: with NATS identities.
    static func installObjects(_ settings: ClusterSettings = settings) -> [JSONValue] {
        InstallManifests.all(settings, natsAuthorization: natsAuthorization)
    }

    static let allSettings: [(String, ClusterSettings)] = [
        ("default", settings), ("object-store", objectStoreSettings), ("external", externalSettings),
    ]
}
