import AgentManifests
import FlightdeckCore
import KubeModel
import Testing

/// The requirements of issue 4, checked on the objects themselves (the golden files pin the
/// bytes; these say what must hold whatever the bytes become).
@Suite struct StructureTests {
    /// Every pod spec in `objects`: a Job's or Deployment's template.
    static func podSpecs(_ objects: [JSONValue]) -> [(String, JSONValue)] {
        objects.compactMap { object in
            guard let spec = object[path: ["spec", "template", "spec"]] else { return nil }
            return ("\(object["kind"]!.stringValue!)/\(object[path: ["metadata", "name"]]!.stringValue!)", spec)
        }
    }

    /// Every object under every settings, the task with and without NATS credentials.
    static var everyObject: [JSONValue] {
        Fixtures.allSettings.flatMap {
            Fixtures.taskObjects(Fixtures.task, $0.1) + Fixtures.installObjects($0.1)
                + Fixtures.taskObjects(Fixtures.task, $0.1, natsCredentials: Fixtures.natsCredentials)
        }
    }

    static func containers(_ spec: JSONValue) -> [JSONValue] {
        (spec["initContainers"]?.arrayValue ?? []) + (spec["containers"]?.arrayValue ?? [])
    }

    static func job(_ settings: ClusterSettings = Fixtures.settings) -> JSONValue {
        TaskManifests.job(Fixtures.task, settings: settings, suspended: true)
    }

    // MARK: - Names and labels

    @Test func namesComeFromTheUUID() {
        #expect(TaskManifests.jobID(Fixtures.task) == "3f2a9c1e4b7d")
        #expect(TaskManifests.jobName(Fixtures.task) == "agent-3f2a9c1e4b7d")
        #expect(TaskManifests.claimName(Fixtures.task) == "workspace-agent-3f2a9c1e4b7d")
        var other = Fixtures.task
        other.uuid = "My Task/1"
        let id = TaskManifests.jobID(other)
        #expect(id.count == 12 && id.allSatisfy(\.isHexDigit) && id == id.lowercased(), "\(id)")
        other.uuid = "My Task/2"
        #expect(TaskManifests.jobID(other) != id)
    }

    /// With the created Job's uid, the claim and Secret are owned by that Job; without one
    /// they carry no ownerReferences at all (not a reference with an empty uid).
    @Test func theClaimAndSecretAreOwnedOnlyByAKnownJob() throws {
        let owned = TaskManifests.all(Fixtures.task, settings: Fixtures.settings, suspended: true, ownerUID: "uid-1")
        #expect(owned.map { $0["kind"]?.stringValue } == ["Job", "PersistentVolumeClaim", "Secret"])
        #expect(owned[0][path: ["spec", "suspend"]] == true)
        for dependent in owned.dropFirst() {
            let references = try #require(dependent[path: ["metadata", "ownerReferences"]]?.arrayValue)
            #expect(references.count == 1)
            #expect(references[0]["uid"]?.stringValue == "uid-1")
            #expect(references[0]["name"] == owned[0][path: ["metadata", "name"]])
            #expect(references[0]["controller"] == true)
        }
        let unowned = TaskManifests.all(Fixtures.task, settings: Fixtures.settings, suspended: false, ownerUID: nil)
        #expect(unowned[0][path: ["spec", "suspend"]] != true)
        for dependent in unowned.dropFirst() {
            #expect(dependent[path: ["metadata", "ownerReferences"]] == nil)
        }
        #expect(unowned.dropFirst().map { $0[path: ["metadata", "name"]] } == owned.dropFirst().map { $0[path: ["metadata", "name"]] })
    }

    @Test func everyTaskObjectCarriesTheTaskLabels() {
        for object in Fixtures.taskObjects() {
            let labels = ObjectMeta(json: object["metadata"]!).labels
            #expect(labels["flightdeck.dev/task-uuid"] == Fixtures.uuid)
            #expect(labels["app.kubernetes.io/managed-by"] == "flightdeck")
            #expect(labels["flightdeck.dev/job"] == "agent-3f2a9c1e4b7d")
            #expect(labels["team"] == "compilers")
        }
        let template = Self.job()[path: ["spec", "template", "metadata"]]!
        #expect(ObjectMeta(json: template).labels["flightdeck.dev/task-uuid"] == Fixtures.uuid)
        #expect(ObjectMeta(json: template).annotations["kubectl.kubernetes.io/default-container"] == "agent")
    }

    @Test func everyInstallObjectIsManagedByFlightdeck() {
        for (_, settings) in Fixtures.allSettings {
            for object in Fixtures.installObjects(settings) {
                #expect(ObjectMeta(json: object["metadata"]!).labels["app.kubernetes.io/managed-by"] == "flightdeck")
            }
        }
    }

    // MARK: - The Job

    @Test func jobLifecycleFields() {
        let spec = Self.job()["spec"]!
        #expect(spec["suspend"] == true)
        #expect(spec["backoffLimit"] == 3)
        #expect(spec["activeDeadlineSeconds"] == 14_400)
        #expect(spec["ttlSecondsAfterFinished"] == 86_400)
        #expect(spec[path: ["template", "spec", "restartPolicy"]] == "Never")
        #expect(TaskManifests.job(Fixtures.task, settings: Fixtures.settings, suspended: false)[path: ["spec", "suspend"]] == false)
        var open = Fixtures.task
        open.activeDeadlineSeconds = nil
        #expect(TaskManifests.job(open, settings: Fixtures.settings, suspended: false)[path: ["spec", "activeDeadlineSeconds"]] == nil)
    }

    @Test func podFailurePolicyFailsOnTheFatalCodeAndIgnoresDisruptions() {
        for (_, settings) in Fixtures.allSettings {
            let rules = Self.job(settings)[path: ["spec", "podFailurePolicy", "rules"]]!.arrayValue!
            let fail = rules.first { $0["action"] == "FailJob" }
            #expect(fail?[path: ["onExitCodes", "operator"]] == "In")
            #expect(fail?[path: ["onExitCodes", "containerName"]] == "agent")
            #expect(fail?[path: ["onExitCodes", "values"]] == .array([.integer(Int64(settings.fatalExitCode))]))
            let ignore = rules.first { $0["action"] == "Ignore" }
            #expect(ignore?["onPodConditions"] == [["type": "DisruptionTarget", "status": "True"]])
        }
    }

    @Test func everyPodAndContainerIsRestricted() {
        let specs = Self.podSpecs(Self.everyObject)
        #expect(specs.count >= 6, "Jobs and Deployments under all settings")
        for (name, spec) in specs {
            #expect(spec["automountServiceAccountToken"] == false, "\(name)")
            #expect(spec["enableServiceLinks"] == false, "\(name)")
            let pod = spec["securityContext"]!
            #expect(pod["runAsNonRoot"] == true, "\(name)")
            #expect(pod["runAsUser"] == 1000 && pod["runAsGroup"] == 1000 && pod["fsGroup"] == 1000, "\(name)")
            #expect(pod[path: ["seccompProfile", "type"]] == "RuntimeDefault", "\(name)")
            for container in Self.containers(spec) {
                let context = container["securityContext"]
                let label = "\(name) \(container["name"]!)"
                #expect(context?["allowPrivilegeEscalation"] == false, "\(label)")
                #expect(context?["readOnlyRootFilesystem"] == true, "\(label)")
                #expect(context?[path: ["capabilities", "drop"]] == ["ALL"], "\(label)")
                #expect(context?["privileged"] == nil, "\(label)")
                #expect(container["resources"]?["limits"]?["memory"] != nil, "\(label) has a memory limit")
            }
        }
    }

    @Test func secretsAreFilesNeverEnvironment() {
        for (_, settings) in Fixtures.allSettings {
            let spec = Self.job(settings)[path: ["spec", "template", "spec"]]!
            for container in Self.containers(spec) {
                for variable in container["env"]?.arrayValue ?? [] {
                    #expect(variable["valueFrom"] == nil, "no env from Secrets: \(variable)")
                    let value = variable["value"]?.stringValue ?? ""
                    for secret in Fixtures.task.secretFiles.values { #expect(!value.contains(secret)) }
                    #expect(!value.contains("parser_test.py"), "the prompt is a file, not env")
                }
                #expect(container["envFrom"] == nil)
            }
            let agent = spec["containers"]![0]!
            let secretMount = agent["volumeMounts"]!.arrayValue!.first { $0["mountPath"] == "/var/secrets" }
            #expect(secretMount?["readOnly"] == true)
            let volume = spec["volumes"]!.arrayValue!.first { $0["name"] == secretMount?["name"] }
            #expect(volume?[path: ["secret", "defaultMode"]] == 0o400)
            #expect(volume?[path: ["secret", "items"]]?.arrayValue?.count == 2, "only the secret files, not the prompt")
            // The object store's credentials reach only the restore and snapshot containers.
            if settings.objectStore != nil {
                #expect(!(agent["volumeMounts"]!.arrayValue!.contains { $0["name"] == "object-store-credentials" }))
            }
        }
    }

    @Test func theAgentsVolumesAndEnvironment() {
        let spec = Self.job()[path: ["spec", "template", "spec"]]!
        let agent = spec["containers"]![0]!
        #expect(agent["name"] == "agent")
        var mounts: [String: String] = [:]
        for mount in agent["volumeMounts"]!.arrayValue! { mounts[mount["mountPath"]!.stringValue!] = mount["name"]!.stringValue! }
        let volumes = Dictionary(uniqueKeysWithValues: spec["volumes"]!.arrayValue!.map { ($0["name"]!.stringValue!, $0) })
        #expect(volumes[mounts["/workspace"]!]?[path: ["persistentVolumeClaim", "claimName"]] == "workspace-agent-3f2a9c1e4b7d")
        for path in ["/home/agent/.local", "/tmp", "/var/log/agent"] { #expect(volumes[mounts[path]!]?["emptyDir"] != nil, "\(path)") }
        #expect(volumes[mounts["/dev/shm"]!]?["emptyDir"] == ["medium": "Memory", "sizeLimit": "256Mi"])

        var env: [String: String] = [:]
        for variable in agent["env"]!.arrayValue! { env[variable["name"]!.stringValue!] = variable["value"]!.stringValue! }
        #expect(env["JOB_ID"] == "3f2a9c1e4b7d")
        #expect(env["WORKSPACE_PATH"] == "/workspace")
        #expect(env["CHECKPOINT_PATH"] == "/workspace/checkpoints/job_3f2a9c1e4b7d.db")
        #expect(env["PYTHONUSERBASE"] == "/home/agent/.local")
        #expect(env["PATH"]?.hasPrefix("/home/agent/.local/bin:") == true)
        #expect(env["HTTPS_PROXY"] == "http://egress-proxy.agents.svc.cluster.local:3128")
        #expect(env["HTTP_PROXY"] == env["HTTPS_PROXY"])
        #expect(env["NO_PROXY"]?.contains(".svc.cluster.local") == true)
        #expect(env["NO_PROXY"]?.contains("nats.agents.svc.cluster.local") == true)
        #expect(env["NATS_URL"] == "nats://nats.agents.svc.cluster.local:4222")
        #expect(env["NATS_SUBJECT_LOGS"] == "logs.agent.3f2a9c1e4b7d")
        #expect(env["NATS_SUBJECT_EVENTS"] == "events.agent.3f2a9c1e4b7d")
        #expect(env["NATS_SUBJECT_COMMANDS"] == "cmd.agent.3f2a9c1e4b7d")
        #expect(env["TASK_PROMPT_FILE"] == "/var/run/flightdeck/task-prompt")
        #expect(env["SIM_AGENT_STEPS"] == "3")
        #expect(env["TASK_PROMPT"] == nil)

        let probe = agent["livenessProbe"]!
        let command = probe[path: ["exec", "command"]]!.arrayValue!.compactMap(\.stringValue).joined(separator: " ")
        #expect(command.contains(env["HEARTBEAT_PATH"]!) && command.contains("-mmin -2"), "\(command)")
        #expect(agent[path: ["resources", "requests", "cpu"]] == "500m")
        #expect(agent[path: ["resources", "limits", "memory"]] == "2Gi")
    }

    @Test func theLogShipperIsANativeSidecarPublishingToTheLogsSubject() throws {
        let spec = Self.job()[path: ["spec", "template", "spec"]]!
        let shipper = spec["initContainers"]!.arrayValue!.first { $0["name"] == "log-shipper" }!
        #expect(shipper["restartPolicy"] == "Always")
        #expect(shipper["env"]!.arrayValue!.contains(["name": "JOB_ID", "value": "3f2a9c1e4b7d"]))
        #expect(shipper["volumeMounts"]!.arrayValue!.contains { $0["mountPath"] == "/var/log/agent" && $0["readOnly"] == true })
        let config = Fixtures.installObjects().first { $0[path: ["metadata", "name"]] == "flightdeck-log-shipper" }!
        let text = try #require(config[path: ["data", "vector-no-auth.yaml"]]?.stringValue)
        #expect(text.contains("      - /var/log/agent/*.log\n"))
        // JOB_ID, the agent's own id, makes the shared config publish to the job's subject.
        #expect(text.contains("    subject: \"logs.agent.${JOB_ID}\"\n"))
    }

    @Test func tier2ContainersOnlyWithAnObjectStore() {
        let plain = Self.job()[path: ["spec", "template", "spec", "initContainers"]]!.arrayValue!.map { $0["name"]! }
        #expect(plain == ["log-shipper"])
        let spec = Self.job(Fixtures.objectStoreSettings)[path: ["spec", "template", "spec"]]!
        let inits = spec["initContainers"]!.arrayValue!
        #expect(inits.map { $0["name"]! } == ["log-shipper", "restore-workspace", "snapshot"])
        #expect(inits[1]["restartPolicy"] == nil, "restore runs to completion before the agent")
        #expect(inits[2]["restartPolicy"] == "Always", "snapshot runs beside the agent")
        #expect(inits[2]["env"]!.arrayValue!.contains(["name": "SNAPSHOT_INTERVAL_SECONDS", "value": "300"]))
        #expect(inits[2]["volumeMounts"]!.arrayValue!.contains { $0["name"] == "workspace" && $0["readOnly"] == true })
    }

    @Test func claimAndSecretAreOwnedByTheJob() {
        let objects = Fixtures.taskObjects()
        for object in objects.dropFirst() {
            let owners = ObjectMeta(json: object["metadata"]!).ownerReferences
            #expect(owners.count == 1)
            #expect(owners.first?.uid == Fixtures.owner.uid)
            #expect(owners.first?.kind == "Job")
            #expect(owners.first?.controller == true)
            #expect(owners.first?.blockOwnerDeletion == true)
        }
        let claim = objects[1]["spec"]!
        #expect(claim["storageClassName"] == "local-path")
        #expect(claim["accessModes"] == ["ReadWriteOnce"])
        #expect(claim[path: ["resources", "requests", "storage"]] == "5Gi")
        let secret = Secret(json: objects[2])
        #expect(secret.string(forKey: "task-prompt") == Fixtures.task.prompt)
        #expect(secret.string(forKey: "openai-key") == "sk-not-a-real-key")
    }

    // MARK: - The bundle

    @Test func theNamespaceEnforcesRestricted() {
        let namespace = Fixtures.installObjects()[0]
        #expect(namespace["kind"] == "Namespace")
        let labels = ObjectMeta(json: namespace["metadata"]!).labels
        for mode in ["enforce", "audit", "warn"] { #expect(labels["pod-security.kubernetes.io/\(mode)"] == "restricted") }
    }

    @Test func theOrchestratorRoleIsMinimal() {
        let role = Fixtures.installObjects().first { $0["kind"] == "Role" }!
        var grants: [String: Set<String>] = [:]
        for rule in role["rules"]!.arrayValue! {
            let groups = rule["apiGroups"]!.arrayValue!.compactMap(\.stringValue)
            let resources = rule["resources"]!.arrayValue!.compactMap(\.stringValue)
            let verbs = rule["verbs"]!.arrayValue!.compactMap(\.stringValue)
            #expect(!groups.contains("*") && !resources.contains("*") && !verbs.contains("*"), "no wildcard: \(rule)")
            #expect(!resources.contains("pods/exec") && !resources.contains("pods/attach"), "no exec: \(rule)")
            for group in groups { for resource in resources { grants["\(group)/\(resource)", default: []].formUnion(verbs) } }
        }
        #expect(grants["/secrets"] == ["create", "delete"], "secrets are never read")
        #expect(grants["batch/jobs"] == ["create", "get", "list", "watch", "patch", "delete"])
        #expect(grants["/persistentvolumeclaims"] == ["create", "get", "list", "watch", "patch", "delete"])
        #expect(grants["/pods"] == ["get", "list", "watch"])
        #expect(grants["/pods/log"] == ["get", "list", "watch"])
        #expect(grants["/events"] == ["get", "list", "watch"])
        #expect(grants["coordination.k8s.io/leases"] == ["create", "get", "list", "watch", "update"], "the admission Lease")
        #expect(grants["kueue.x-k8s.io/workloads"] == ["get", "list", "watch"])
        #expect(grants["kueue.x-k8s.io/localqueues"] == ["get", "list", "watch"])
        #expect(Set(grants.keys) == ["batch/jobs", "/persistentvolumeclaims", "/secrets", "/pods", "/pods/log", "/events",
            "events.k8s.io/events", "coordination.k8s.io/leases", "kueue.x-k8s.io/workloads", "kueue.x-k8s.io/localqueues"])
    }

    /// Addresses an agent must never reach directly: the metadata service, the k3s API server's
    /// service and node addresses, another pod.
    static let forbidden = ["169.254.169.254", "10.43.0.1", "10.42.0.7", "192.168.1.10", "172.17.0.1", "127.0.0.1"]

    @Test(arguments: Fixtures.allSettings.map(\.0))
    func agentEgressAllowsOnlyProxyDNSNATSAndTheObjectStore(settingsName: String) throws {
        let settings = Fixtures.allSettings.first { $0.0 == settingsName }!.1
        let policy = Fixtures.installObjects(settings).first { $0[path: ["metadata", "name"]] == "flightdeck-agents" }!
        let spec = policy["spec"]!
        #expect(spec[path: ["podSelector", "matchLabels", "app.kubernetes.io/component"]] == "agent")
        #expect(spec["policyTypes"] == ["Ingress", "Egress"])
        #expect(spec["ingress"] == nil, "no ingress to agents")
        let egress = spec["egress"]!.arrayValue!
        var ports: [Int64] = []
        for rule in egress {
            #expect(rule["to"] != nil, "every egress rule names its peers: \(rule)")
            let rulePorts = rule["ports"]!.arrayValue!.compactMap { $0["port"]?.int64Value }
            #expect(!rulePorts.isEmpty, "every egress rule names its ports")
            ports += rulePorts
            for peer in rule["to"]!.arrayValue! {
                guard let block = peer["ipBlock"] else { continue }
                for address in Self.forbidden {
                    #expect(!CIDR.allows(block, address), "\(address) reachable through \(block)")
                }
            }
        }
        #expect(!ports.contains(6443), "never the API server's port")
        var expected: Set<Int64> = [Int64(settings.egressProxy.port), 53, Int64(settings.natsEndpoint.port)]
        if let store = settings.objectStore {
            expected.insert(Int64(Endpoint(url: store.endpoint, defaultPort: store.endpoint.hasPrefix("https") ? 443 : 80).port))
        }
        #expect(Set(ports).subtracting(expected).isEmpty, "\(ports)")
    }

    @Test func theProxyReachesOnlyPublicAddresses() {
        let objects = Fixtures.installObjects()
        let policy = objects.first { $0[path: ["metadata", "name"]] == "egress-proxy" && $0["kind"] == "NetworkPolicy" }!
        for rule in policy[path: ["spec", "egress"]]!.arrayValue! {
            for peer in rule["to"]!.arrayValue! {
                guard let block = peer["ipBlock"] else { continue }
                for address in Self.forbidden { #expect(!CIDR.allows(block, address), "\(address)") }
                #expect(CIDR.allows(block, "140.82.112.3"), "the internet")
            }
        }
        let squid = InstallManifests.squidConfig(Fixtures.settings)
        #expect(squid.contains("http_access deny CONNECT !SSL_ports"))
        #expect(squid.contains("acl SSL_ports port 443\n"))
        #expect(squid.contains("http_access deny all"))
        #expect(squid.contains("acl allowed_domains dstdomain .github.com"))
    }

    @Test func externalServicesAreNotDeployed() {
        let kinds = Fixtures.installObjects(Fixtures.externalSettings).map { "\($0["kind"]!.stringValue!)/\($0[path: ["metadata", "name"]]!.stringValue!)" }
        #expect(!kinds.contains("Deployment/nats") && !kinds.contains("Deployment/egress-proxy"))
        let all = Fixtures.installObjects().map { "\($0["kind"]!.stringValue!)/\($0[path: ["metadata", "name"]]!.stringValue!)" }
        #expect(all.first == "Namespace/agents")
        #expect(all.contains("Deployment/nats") && all.contains("PersistentVolumeClaim/nats-jetstream"))
        #expect(all.contains("Deployment/egress-proxy") && all.contains("Service/egress-proxy"))
    }

    @Test func everyKindIsInTheRegistry() {
        for object in Self.everyObject {
            #expect(ResourceType.forKind(object["kind"]!.stringValue!, apiVersion: object["apiVersion"]!.stringValue!) != nil,
                "\(object["kind"]!)")
        }
    }
}

/// IPv4 CIDR arithmetic for the NetworkPolicy checks.
enum CIDR {
    static func address(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".").compactMap { UInt32($0) }
        guard parts.count == 4, parts.allSatisfy({ $0 < 256 }) else { return nil }
        return parts.reduce(0) { $0 << 8 | $1 }
    }

    static func contains(_ cidr: String, _ text: String) -> Bool {
        let pieces = cidr.split(separator: "/")
        guard pieces.count == 2, let base = address(String(pieces[0])), let bits = UInt32(pieces[1]), let value = address(text)
        else { return false }
        let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
        return base & mask == value & mask
    }

    /// Whether an `ipBlock` admits `text` (inside `cidr`, outside every `except`).
    static func allows(_ block: JSONValue, _ text: String) -> Bool {
        guard let cidr = block["cidr"]?.stringValue, contains(cidr, text) else { return false }
        return !(block["except"]?.arrayValue ?? []).compactMap(\.stringValue).contains { contains($0, text) }
    }
}
