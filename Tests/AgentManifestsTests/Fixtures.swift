import AgentManifests
import FlightdeckCore
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
            environment: ["SIM_AGENT_STEPS": "3", "SIM_AGENT_PACE": "0"], labels: ["team": "compilers"])
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

    /// Every manifest of the task for `settings`, Job first.
    static func taskObjects(_ task: AgentTask = task, _ settings: ClusterSettings = settings, suspended: Bool = true)
        -> [JSONValue]
    {
        [
            TaskManifests.job(task, settings: settings, suspended: suspended),
            TaskManifests.workspaceClaim(task, settings: settings, owner: owner),
            TaskManifests.secret(task, settings: settings, owner: owner),
        ]
    }

    static let allSettings: [(String, ClusterSettings)] = [
        ("default", settings), ("object-store", objectStoreSettings), ("external", externalSettings),
    ]
}
