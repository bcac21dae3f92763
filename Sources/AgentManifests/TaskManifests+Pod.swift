import FlightdeckCore
import KubeModel

/// The agent's pod: the agent container, the log-shipper sidecar and, with an object store,
/// the workspace restore and snapshot containers; and the volumes they share.
extension TaskManifests {
    /// Paths inside the containers (the contract with the agent image).
    public enum Paths {
        public static let workspace = "/workspace"
        public static let userBase = "/home/agent/.local"
        public static let tmp = "/tmp"
        public static let shm = "/dev/shm"
        public static let logs = "/var/log/agent"
        public static let secrets = "/var/secrets"
        /// The prompt file's directory (`task-prompt` in it).
        public static let task = "/var/run/flightdeck"
        /// The heartbeat the agent touches every loop: on `/tmp`, so a retried pod starts
        /// without its predecessor's (stale) beat.
        public static let heartbeat = "/tmp/flightdeck-heartbeat"
        /// The job's NATS credentials in the agent container (`NATS_CREDS_FILE`).
        public static let natsCredentials = "\(secrets)/\(AgentTask.natsCredentialsKey)"
        static let logShipperConfig = "/etc/vector"
        static let logShipperState = "/var/lib/vector"
        /// The same credentials in the log shipper, from a volume holding only them.
        static let logShipperCredentialsDirectory = "/var/run/nats"
        static let logShipperCredentials = "\(logShipperCredentialsDirectory)/\(AgentTask.natsCredentialsKey)"
        static let objectStoreCredentials = "/var/run/object-store"
    }

    /// `/workspace/checkpoints/job_<id>.db`: the SQLite checkpoint a retried pod resumes from.
    public static func checkpointPath(_ task: AgentTask) -> String {
        "\(Paths.workspace)/checkpoints/job_\(jobID(task)).db"
    }

    /// Mode 0400 (decimal 256) for secret files: read by the owner only. With `fsGroup` the
    /// kubelet adds group read, which is the agent's group; no other user sees them.
    static let secretFileMode: Int64 = 0o400

    static func podSpec(_ task: AgentTask, settings: ClusterSettings, natsCredentials: Bool) -> JSONValue {
        var initContainers: [JSONValue] = [logShipper(task, settings: settings, natsCredentials: natsCredentials)]
        if let store = settings.objectStore {
            initContainers.append(restore(task, settings: settings, store: store))
            initContainers.append(snapshot(task, settings: settings, store: store))
        }
        return [
            "restartPolicy": "Never",
            "serviceAccountName": "agent",
            "automountServiceAccountToken": false,
            "enableServiceLinks": false,
            // The snapshot sidecar's final upload runs in this window after the agent exits.
            "terminationGracePeriodSeconds": .integer(settings.objectStore == nil ? 30 : 300),
            "securityContext": RestrictedSecurity.pod,
            "initContainers": .array(initContainers),
            "containers": [agent(task, settings: settings, natsCredentials: natsCredentials)],
            "volumes": .array(volumes(task, settings: settings, natsCredentials: natsCredentials)),
        ]
    }

    // MARK: - Containers

    static func agent(_ task: AgentTask, settings: ClusterSettings, natsCredentials: Bool) -> JSONValue {
        let subjects = subjects(task)
        let noProxy = ["localhost", "127.0.0.1", "::1", ".svc", ".svc.\(settings.clusterDomain)", settings.natsEndpoint.host]
            .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.joined(separator: ",")
        var env: [JSONValue] = [
            ManifestJSON.env("JOB_ID", jobID(task)),
            ManifestJSON.env("TASK_UUID", task.uuid),
            ManifestJSON.env("WORKSPACE_PATH", Paths.workspace),
            ManifestJSON.env("CHECKPOINT_PATH", checkpointPath(task)),
            ManifestJSON.env("HEARTBEAT_PATH", Paths.heartbeat),
            ManifestJSON.env("AGENT_LOG_DIR", Paths.logs),
            ManifestJSON.env("TASK_PROMPT_FILE", "\(Paths.task)/\(AgentTask.promptKey)"),
            ManifestJSON.env("SECRETS_DIR", Paths.secrets),
        ]
        if let repo = task.repoURL, !repo.isEmpty { env.append(ManifestJSON.env("REPO_URL", repo)) }
        env += [
            ManifestJSON.env("HOME", "/home/agent"),
            ManifestJSON.env("PYTHONUSERBASE", Paths.userBase),
            // The image's PATH cannot be referenced from the pod spec; this is Debian's default
            // with the user base's bin first, where `pip install --user` puts scripts.
            ManifestJSON.env("PATH", "\(Paths.userBase)/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
            ManifestJSON.env("HTTP_PROXY", settings.proxyURL),
            ManifestJSON.env("HTTPS_PROXY", settings.proxyURL),
            ManifestJSON.env("NO_PROXY", noProxy),
            // curl, wget and git read only the lower-case forms.
            ManifestJSON.env("http_proxy", settings.proxyURL),
            ManifestJSON.env("https_proxy", settings.proxyURL),
            ManifestJSON.env("no_proxy", noProxy),
            ManifestJSON.env("NATS_URL", settings.effectiveNATSURL),
            ManifestJSON.env("NATS_SUBJECT_LOGS", subjects.logs),
            ManifestJSON.env("NATS_SUBJECT_EVENTS", subjects.events),
            ManifestJSON.env("NATS_SUBJECT_COMMANDS", subjects.commands),
        ]
        if natsCredentials {
            // The file's path, never its content: env values show in `kubectl describe`.
            env += [
                ManifestJSON.env("NATS_CREDS_FILE", Paths.natsCredentials),
                ManifestJSON.env("NATS_INBOX_PREFIX", natsInboxPrefix(task)),
                ManifestJSON.env("NATS_COMMANDS_STREAM", BusNames.commandStream),
                ManifestJSON.env("NATS_COMMANDS_CONSUMER", commandsConsumer(task)),
            ]
        }
        env.append(ManifestJSON.env("FATAL_EXIT_CODE", String(settings.fatalExitCode)))
        for name in task.environment.keys.sorted() { env.append(ManifestJSON.env(name, task.environment[name]!)) }

        var limits: JSONValue = ["memory": .string(task.resources.memory)]
        if let cpuLimit = task.resources.cpuLimit { limits = ["cpu": .string(cpuLimit), "memory": .string(task.resources.memory)] }
        var mounts: [JSONValue] = [
            ["name": "workspace", "mountPath": .string(Paths.workspace)],
            ["name": "home-local", "mountPath": .string(Paths.userBase)],
            ["name": "tmp", "mountPath": .string(Paths.tmp)],
            ["name": "dshm", "mountPath": .string(Paths.shm)],
            ["name": "agent-logs", "mountPath": .string(Paths.logs)],
            ["name": "task", "mountPath": .string(Paths.task), "readOnly": true],
        ]
        if !task.secretFiles.isEmpty || natsCredentials {
            mounts.append(["name": "secrets", "mountPath": .string(Paths.secrets), "readOnly": true])
        }
        let minutes = settings.heartbeatStalenessSeconds / 60
        return [
            "name": "agent",
            "image": .string(task.image),
            "imagePullPolicy": "IfNotPresent",
            "workingDir": .string(Paths.workspace),
            "env": .array(env),
            "resources": [
                "requests": ["cpu": .string(task.resources.cpu), "memory": .string(task.resources.memory)],
                "limits": limits,
            ],
            // Alive = the heartbeat was touched within the staleness window. A deadlocked agent
            // (waiting forever on a dropped LLM reply) stops touching it and is killed; the Job
            // then retries it from its checkpoint.
            "livenessProbe": [
                "exec": ["command": ["sh", "-c", .string("find \(Paths.heartbeat) -mmin -\(minutes) | grep -q .")]],
                "initialDelaySeconds": .integer(Int64(settings.heartbeatStalenessSeconds)),
                "periodSeconds": 30,
                "timeoutSeconds": 5,
                "failureThreshold": 2,
            ],
            "securityContext": RestrictedSecurity.container,
            "volumeMounts": .array(mounts),
        ]
    }

    /// Vector as a native sidecar (an init container with `restartPolicy: Always`): it starts
    /// before the agent and is stopped after it, so an agent's last words before an OOM kill
    /// are still shipped to `logs.agent.<id>` (`InstallManifests.logShipperConfig`). With NATS
    /// credentials it reads them from a volume of the Job's Secret that holds only
    /// `nats.creds` — not the agent's secret files, not the prompt.
    static func logShipper(_ task: AgentTask, settings: ClusterSettings, natsCredentials: Bool) -> JSONValue {
        let configKey = natsCredentials ? InstallManifests.logShipperConfigKey : InstallManifests.logShipperNoAuthConfigKey
        var mounts: [JSONValue] = [
            ["name": "agent-logs", "mountPath": .string(Paths.logs), "readOnly": true],
            ["name": "log-shipper-config", "mountPath": .string(Paths.logShipperConfig), "readOnly": true],
            ["name": "log-shipper-state", "mountPath": .string(Paths.logShipperState)],
        ]
        if natsCredentials {
            mounts.append(["name": "log-shipper-nats", "mountPath": .string(Paths.logShipperCredentialsDirectory), "readOnly": true])
        }
        return [
            "name": "log-shipper",
            "image": .string(settings.images.logShipper),
            "imagePullPolicy": "IfNotPresent",
            "restartPolicy": "Always",
            "args": ["--config", .string("\(Paths.logShipperConfig)/\(configKey)")],
            "env": [
                ManifestJSON.env("JOB_ID", jobID(task)),
                ManifestJSON.env("NATS_URL", settings.effectiveNATSURL),
            ],
            "resources": ["requests": ["cpu": "10m", "memory": "48Mi"], "limits": ["memory": "128Mi"]],
            "securityContext": RestrictedSecurity.container,
            "volumeMounts": .array(mounts),
        ]
    }

    /// Environment shared by the restore and snapshot containers.
    static func objectStoreEnvironment(_ task: AgentTask, settings: ClusterSettings, store: ObjectStoreSettings) -> [JSONValue] {
        [
            ManifestJSON.env("JOB_ID", jobID(task)),
            ManifestJSON.env("WORKSPACE_PATH", Paths.workspace),
            ManifestJSON.env("CHECKPOINT_PATH", checkpointPath(task)),
            ManifestJSON.env("S3_ENDPOINT", store.endpoint),
            ManifestJSON.env("SNAPSHOT_BUCKET", store.bucket),
            ManifestJSON.env("S3_CREDENTIALS_DIR", Paths.objectStoreCredentials),
            ManifestJSON.env("MC_CONFIG_DIR", "\(Paths.tmp)/mc"),
            ManifestJSON.env("HOME", Paths.tmp),
        ]
    }

    /// Logs in with the credential files (never env: `mc` keeps its config in a private emptyDir).
    static let objectStoreLogin = """
        set -eu
        mc alias set store "$S3_ENDPOINT" "$(cat "$S3_CREDENTIALS_DIR/accessKey")" "$(cat "$S3_CREDENTIALS_DIR/secretKey")" >/dev/null
        prefix="store/$SNAPSHOT_BUCKET/$JOB_ID"

        """

    /// Tier 2 restore: an empty workspace (a new node, a lost volume) is filled from the task's
    /// last snapshot — the whole workspace if one was uploaded, else the checkpoint database.
    /// A workspace that has content (a retry on the same node) is kept as it is.
    static let restoreScript = objectStoreLogin + """
        prefix="store/$SNAPSHOT_BUCKET/${RESTORE_JOB_ID:-$JOB_ID}"
        if [ -n "$(ls -A "$WORKSPACE_PATH")" ]; then
          echo "restore: $WORKSPACE_PATH already has content; keeping it"
        elif mc ls "$prefix/workspace/" 2>/dev/null | grep -q .; then
          mc mirror --quiet "$prefix/workspace/" "$WORKSPACE_PATH/"
          echo "restore: restored $WORKSPACE_PATH from $prefix/workspace/"
        elif mc ls "$prefix/checkpoints/" 2>/dev/null | grep -q .; then
          mc mirror --quiet "$prefix/checkpoints/" "$WORKSPACE_PATH/checkpoints/"
          echo "restore: restored the checkpoint from $prefix/checkpoints/"
        else
          echo "restore: no snapshot for ${RESTORE_JOB_ID:-$JOB_ID}; starting with an empty workspace"
        fi
        # A retry resumes from the previous run's checkpoint under its own name.
        if [ -n "${RESTORE_JOB_ID:-}" ] && [ -f "$WORKSPACE_PATH/checkpoints/job_$RESTORE_JOB_ID.db" ] && [ ! -f "$CHECKPOINT_PATH" ]; then
          cp "$WORKSPACE_PATH/checkpoints/job_$RESTORE_JOB_ID.db" "$CHECKPOINT_PATH"
          echo "restore: resuming from job $RESTORE_JOB_ID's checkpoint"
        fi
        """

    /// Tier 2 snapshots: the checkpoint database (and its WAL) every interval, the whole
    /// workspace when the pod stops (SIGTERM after the agent exits, or on deletion).
    static let snapshotScript = objectStoreLogin + """
        sync_checkpoint() {
          for file in "$CHECKPOINT_PATH" "$CHECKPOINT_PATH-wal"; do
            if [ -f "$file" ]; then mc cp --quiet "$file" "$prefix/checkpoints/" >/dev/null || echo "snapshot: upload of $file failed"; fi
          done
        }
        final() {
          sync_checkpoint
          mc mirror --quiet --overwrite "$WORKSPACE_PATH/" "$prefix/workspace/" && echo "snapshot: final sync of $WORKSPACE_PATH to $prefix/workspace/"
          exit 0
        }
        trap final TERM INT
        echo "snapshot: syncing $CHECKPOINT_PATH to $prefix/ every ${SNAPSHOT_INTERVAL_SECONDS}s"
        while true; do
          sleep "$SNAPSHOT_INTERVAL_SECONDS" &
          wait $! || true
          sync_checkpoint
        done
        """

    static func objectStoreMounts(workspaceReadOnly: Bool) -> JSONValue {
        var workspace: JSONValue = ["name": "workspace", "mountPath": .string(Paths.workspace)]
        if workspaceReadOnly { workspace.setMember("readOnly", true) }
        return [
            workspace,
            ["name": "object-store-client", "mountPath": .string(Paths.tmp)],
            ["name": "object-store-credentials", "mountPath": .string(Paths.objectStoreCredentials), "readOnly": true],
        ]
    }

    static func restore(_ task: AgentTask, settings: ClusterSettings, store: ObjectStoreSettings) -> JSONValue {
        var environment = objectStoreEnvironment(task, settings: settings, store: store)
        if let previous = task.restoreFromJobID {
            // A retry restores the previous run's snapshot.
            environment.append(ManifestJSON.env("RESTORE_JOB_ID", previous))
        }
        return [
            "name": "restore-workspace",
            "image": .string(settings.images.objectStoreClient),
            "imagePullPolicy": "IfNotPresent",
            "command": ["sh", "-c", .string(restoreScript)],
            "env": .array(environment),
            "resources": ["requests": ["cpu": "50m", "memory": "64Mi"], "limits": ["memory": "256Mi"]],
            "securityContext": RestrictedSecurity.container,
            "volumeMounts": objectStoreMounts(workspaceReadOnly: false),
        ]
    }

    static func snapshot(_ task: AgentTask, settings: ClusterSettings, store: ObjectStoreSettings) -> JSONValue {
        [
            "name": "snapshot",
            "image": .string(settings.images.objectStoreClient),
            "imagePullPolicy": "IfNotPresent",
            "restartPolicy": "Always",
            "command": ["sh", "-c", .string(snapshotScript)],
            "env": .array(objectStoreEnvironment(task, settings: settings, store: store)
                + [ManifestJSON.env("SNAPSHOT_INTERVAL_SECONDS", String(settings.snapshotIntervalMinutes * 60))]),
            "resources": ["requests": ["cpu": "10m", "memory": "64Mi"], "limits": ["memory": "256Mi"]],
            "securityContext": RestrictedSecurity.container,
            "volumeMounts": objectStoreMounts(workspaceReadOnly: true),
        ]
    }

    // MARK: - Volumes

    static func volumes(_ task: AgentTask, settings: ClusterSettings, natsCredentials: Bool) -> [JSONValue] {
        var volumes: [JSONValue] = [
            ["name": "workspace", "persistentVolumeClaim": ["claimName": .string(claimName(task))]],
            ["name": "home-local", "emptyDir": .emptyObject],
            ["name": "tmp", "emptyDir": .emptyObject],
            ["name": "dshm", "emptyDir": ["medium": "Memory", "sizeLimit": .string(task.resources.shmSize)]],
            ["name": "agent-logs", "emptyDir": ["sizeLimit": "1Gi"]],
            ["name": "task", "secret": [
                "secretName": .string(secretName(task)),
                "defaultMode": .integer(secretFileMode),
                "items": [["key": .string(AgentTask.promptKey), "path": .string(AgentTask.promptKey)]],
            ]],
        ]
        var secretFiles = task.secretFiles.keys.sorted()
        if natsCredentials { secretFiles.append(AgentTask.natsCredentialsKey) }
        if !secretFiles.isEmpty {
            // Listing the items keeps the prompt out of /var/secrets.
            let items = secretFiles.map { name -> JSONValue in ["key": .string(name), "path": .string(name)] }
            volumes.append(["name": "secrets", "secret": [
                "secretName": .string(secretName(task)), "defaultMode": .integer(secretFileMode), "items": .array(items),
            ]])
        }
        volumes += [
            ["name": "log-shipper-config", "configMap": ["name": .string(InstallManifests.logShipperConfigMapName)]],
            ["name": "log-shipper-state", "emptyDir": ["sizeLimit": "64Mi"]],
        ]
        if natsCredentials {
            volumes.append(["name": "log-shipper-nats", "secret": [
                "secretName": .string(secretName(task)), "defaultMode": .integer(secretFileMode),
                "items": [["key": .string(AgentTask.natsCredentialsKey), "path": .string(AgentTask.natsCredentialsKey)]],
            ]])
        }
        if let store = settings.objectStore {
            volumes += [
                ["name": "object-store-client", "emptyDir": ["sizeLimit": "64Mi"]],
                ["name": "object-store-credentials", "secret": [
                    "secretName": .string(store.credentialsSecret), "defaultMode": .integer(secretFileMode),
                ]],
            ]
        }
        return volumes
    }
}
