import AgentManifests
import FlightdeckCore
import Foundation
import KubeModel
import Testing

/// Issue 15, message-bus isolation, on the manifests: the job's NATS user reaches its pod as a
/// file, the Vector sidecar publishes with it, nats.conf enforces JWT authorization, and only
/// agents, an in-cluster orchestrator and the operator reach NATS.
@Suite struct NATSIdentityTests {
    static func podSpec(_ task: AgentTask = Fixtures.task, _ settings: ClusterSettings = Fixtures.settings,
        credentials: Bool) -> JSONValue
    {
        TaskManifests.job(task, settings: settings, suspended: true, natsCredentials: credentials)[path: ["spec", "template", "spec"]]!
    }

    static func container(_ spec: JSONValue, _ name: String) -> JSONValue {
        StructureTests.containers(spec).first { $0["name"]?.stringValue == name }!
    }

    static func environment(_ container: JSONValue) -> [String: String] {
        var env: [String: String] = [:]
        for variable in container["env"]?.arrayValue ?? [] { env[variable["name"]!.stringValue!] = variable["value"]?.stringValue }
        return env
    }

    /// Mount path → volume, for one container.
    static func mounts(_ container: JSONValue, in spec: JSONValue) -> [String: JSONValue] {
        let volumes = Dictionary(uniqueKeysWithValues: spec["volumes"]!.arrayValue!.map { ($0["name"]!.stringValue!, $0) })
        var result: [String: JSONValue] = [:]
        for mount in container["volumeMounts"]?.arrayValue ?? [] {
            result[mount["mountPath"]!.stringValue!] = volumes[mount["name"]!.stringValue!]!
        }
        return result
    }

    static func items(_ volume: JSONValue?) -> [String] {
        volume?[path: ["secret", "items"]]?.arrayValue?.compactMap { $0["key"]?.stringValue } ?? []
    }

    static func logShipperConfig(_ key: String) throws -> (text: String, config: JSONValue) {
        let map = Fixtures.installObjects().first { $0[path: ["metadata", "name"]] == "flightdeck-log-shipper" }!
        let text = try #require(map[path: ["data", key]]?.stringValue, "\(key) in the ConfigMap")
        let documents = try ManifestYAML.decode(text)
        #expect(documents.count == 1, "one YAML document")
        return (text, documents[0])
    }

    // MARK: - The job's credentials

    @Test func theJobsCredentialsAreAFileInItsSecretNeverEnvironment() throws {
        let objects = Fixtures.taskObjects(natsCredentials: Fixtures.natsCredentials)
        let secret = Secret(json: objects[2])
        #expect(secret.string(forKey: "nats.creds") == Fixtures.natsCredentials)
        #expect(secret.string(forKey: "task-prompt") == Fixtures.task.prompt, "the prompt is still there")
        #expect(objects[2]["immutable"] == true)

        let spec = objects[0][path: ["spec", "template", "spec"]]!
        let agent = Self.container(spec, "agent")
        let env = Self.environment(agent)
        #expect(env["NATS_CREDS_FILE"] == "/var/secrets/nats.creds")
        #expect(env["NATS_INBOX_PREFIX"] == "_INBOX.3f2a9c1e4b7d")
        #expect(env["NATS_COMMANDS_STREAM"] == "FLIGHTDECK_COMMANDS")
        #expect(env["NATS_COMMANDS_CONSUMER"] == "cmd-3f2a9c1e4b7d")
        #expect(env["NATS_URL"] == "nats://nats.agents.svc.cluster.local:4222")

        // The file the variable names is where the agent's mount puts the Secret's item.
        let mounts = Self.mounts(agent, in: spec)
        let secrets = try #require(mounts["/var/secrets"])
        #expect(secrets[path: ["secret", "secretName"]] == "agent-3f2a9c1e4b7d-task")
        #expect(Self.items(secrets) == ["github-token", "openai-key", "nats.creds"])
        #expect(!Self.items(secrets).contains("task-prompt"))
        #expect(secrets[path: ["secret", "defaultMode"]] == 0o400)

        // Not a byte of the credentials in any container's environment.
        let seed = "SUANOTAREALSEEDAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        for container in StructureTests.containers(spec) {
            for variable in container["env"]?.arrayValue ?? [] {
                #expect(variable["valueFrom"] == nil)
                let value = variable["value"]?.stringValue ?? ""
                #expect(!value.contains(seed) && !value.contains("BEGIN NATS USER JWT"), "\(variable)")
            }
        }
    }

    @Test func aTaskWithoutSecretFilesStillGetsItsCredentialsFile() {
        let task = AgentTask(uuid: "task-0001", image: "python:3.12-slim", prompt: "hello")
        let spec = Self.podSpec(task, credentials: true)
        let secrets = Self.mounts(Self.container(spec, "agent"), in: spec)["/var/secrets"]
        #expect(Self.items(secrets) == ["nats.creds"])
        #expect(Self.mounts(Self.container(spec, "agent"), in: spec)["/var/secrets"] != nil)
    }

    @Test func withoutNATSIdentitiesThePodIsAsBefore() throws {
        let objects = Fixtures.taskObjects()
        #expect(Secret(json: objects[2]).string(forKey: "nats.creds") == nil)
        let spec = objects[0][path: ["spec", "template", "spec"]]!
        let env = Self.environment(Self.container(spec, "agent"))
        for name in ["NATS_CREDS_FILE", "NATS_INBOX_PREFIX", "NATS_COMMANDS_STREAM", "NATS_COMMANDS_CONSUMER"] {
            #expect(env[name] == nil, "\(name)")
        }
        #expect(env["NATS_SUBJECT_LOGS"] == "logs.agent.3f2a9c1e4b7d")
        #expect(Self.items(Self.mounts(Self.container(spec, "agent"), in: spec)["/var/secrets"]) == ["github-token", "openai-key"])
        let shipper = Self.container(spec, "log-shipper")
        #expect(shipper["args"] == ["--config", "/etc/vector/vector-no-auth.yaml"])
        #expect(!(spec["volumes"]!.arrayValue!.contains { $0["name"] == "log-shipper-nats" }))
        // A task with neither secret files nor credentials has no secrets volume at all.
        let bare = Self.podSpec(AgentTask(uuid: "task-0001", image: "python:3.12-slim", prompt: "hello"), credentials: false)
        #expect(Self.mounts(Self.container(bare, "agent"), in: bare)["/var/secrets"] == nil)
    }

    // MARK: - The Vector sidecar

    @Test func theLogShipperIsVectorReadingOnlyTheCredentials() throws {
        let spec = Self.podSpec(credentials: true)
        let shipper = Self.container(spec, "log-shipper")
        #expect(shipper["image"]?.stringValue?.hasPrefix("docker.io/timberio/vector:") == true)
        #expect(shipper["restartPolicy"] == "Always", "a native sidecar: started before the agent, stopped after it")
        #expect(shipper["args"] == ["--config", "/etc/vector/vector.yaml"])
        #expect(Self.environment(shipper) == ["JOB_ID": "3f2a9c1e4b7d", "NATS_URL": "nats://nats.agents.svc.cluster.local:4222"])

        let mounts = Self.mounts(shipper, in: spec)
        #expect(Set(mounts.keys) == ["/var/log/agent", "/etc/vector", "/var/lib/vector", "/var/run/nats"])
        #expect(mounts["/etc/vector"]?[path: ["configMap", "name"]] == "flightdeck-log-shipper")
        #expect(mounts["/var/lib/vector"]?["emptyDir"] != nil)
        let credentials = try #require(mounts["/var/run/nats"])
        #expect(credentials[path: ["secret", "secretName"]] == "agent-3f2a9c1e4b7d-task")
        #expect(Self.items(credentials) == ["nats.creds"], "not the agent's secret files, not the prompt")
        #expect(credentials[path: ["secret", "defaultMode"]] == 0o400)
        for mount in shipper["volumeMounts"]!.arrayValue! where mount["mountPath"] != "/var/lib/vector" {
            #expect(mount["readOnly"] == true, "\(mount)")
        }
        #expect(shipper[path: ["resources", "limits", "memory"]] == "128Mi")
        #expect(shipper[path: ["securityContext", "readOnlyRootFilesystem"]] == true)
    }

    @Test func theVectorConfigPublishesEachLineUnchangedToTheJobsSubject() throws {
        let spec = Self.podSpec(credentials: true)
        let shipper = Self.container(spec, "log-shipper")
        let (text, config) = try Self.logShipperConfig("vector.yaml")

        // Where Vector keeps its checkpoints is the sidecar's writable emptyDir.
        let state = try #require(config["data_dir"]?.stringValue)
        #expect(Self.mounts(shipper, in: spec)[state]?["emptyDir"] != nil, "data_dir \(state) is the state volume")

        let source = try #require(config[path: ["sources", "agent_logs"]])
        #expect(source["type"] == "file")
        #expect(source["include"] == ["/var/log/agent/*.log"])
        #expect(source[path: ["fingerprint", "strategy"]] == "device_and_inode")

        let sink = try #require(config[path: ["sinks", "nats"]])
        #expect(sink["type"] == "nats")
        #expect(sink["inputs"] == ["agent_logs"])
        #expect(sink["subject"] == "logs.agent.${JOB_ID}")
        #expect(sink["url"] == "${NATS_URL}")
        #expect(sink[path: ["encoding", "codec"]] == "text", "each line as written, not wrapped")
        #expect(sink[path: ["acknowledgements", "enabled"]] == true, "the file checkpoint waits for delivery")
        #expect(sink["jetstream"] == nil, "core publishes: JetStream acks would need _INBOX.> (see logShipperConfig)")
        #expect(sink[path: ["auth", "strategy"]] == "credentials_file")
        // The credentials path is the file the sidecar's mount provides.
        let path = try #require(sink[path: ["auth", "credentials_file", "path"]]?.stringValue)
        let directory = (path as NSString).deletingLastPathComponent
        #expect(Self.items(Self.mounts(shipper, in: spec)[directory]) == [(path as NSString).lastPathComponent])

        // Vector interpolates every `$NAME`/`${NAME}` in the text, comments included, and stops
        // on a missing one: each must be a variable the sidecar sets.
        let env = Self.environment(shipper)
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            rest = rest[rest.index(after: dollar)...]
            let name = rest.hasPrefix("{") ? rest.dropFirst().prefix { $0 != "}" } : rest.prefix { $0.isLetter || $0 == "_" }
            #expect(env[String(name)] != nil, "$\(name) is not in the sidecar's environment")
        }
    }

    @Test func theNoAuthVectorConfigDiffersOnlyByItsAuthentication() throws {
        var (_, withAuth) = try Self.logShipperConfig("vector.yaml")
        let (_, without) = try Self.logShipperConfig("vector-no-auth.yaml")
        #expect(without[path: ["sinks", "nats", "auth"]] == nil)
        withAuth[path: ["sinks", "nats", "auth"]] = nil
        #expect(withAuth == without)
    }

    // MARK: - nats.conf

    static func natsConf(_ authorization: NATSAuthorization, _ settings: ClusterSettings = Fixtures.settings) -> String {
        let map = InstallManifests.all(settings, natsAuthorization: authorization)
            .first { $0["kind"] == "ConfigMap" && $0[path: ["metadata", "name"]] == "nats" }!
        return map[path: ["data", "nats.conf"]]!.stringValue!
    }

    @Test func natsConfEnforcesJWTAuthorizationWithAFullResolver() {
        let settings = Fixtures.natsAuthorizationSettings
        let text = Self.natsConf(.jwt(settings))
        #expect(text == InstallManifests.natsConfig(Fixtures.settings, authorization: .jwt(settings)))
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.contains("operator: \"\(settings.operatorJWT)\""))
        #expect(lines.contains("system_account: \"\(Fixtures.systemAccountKey)\""))
        #expect(text.contains("""
            resolver: {
              type: full
              dir: "/data/jwt"
              allow_delete: false
              interval: "2m"
              timeout: "1.9s"
            }
            """))
        // Every account JWT is preloaded under its key, in key order (a stable ConfigMap).
        let preload = text.components(separatedBy: "resolver_preload: {\n")[1].components(separatedBy: "}\n")[0]
        #expect(preload == """
              \(Fixtures.accountKey): "\(settings.accountJWTs[Fixtures.accountKey]!)"
              \(Fixtures.systemAccountKey): "\(settings.accountJWTs[Fixtures.systemAccountKey]!)"

            """)
        // JetStream as before, on the same volume as the resolver's directory.
        #expect(text.contains("jetstream {\n  store_dir: /data/jetstream\n}"))
        for directive in ["authorization", "accounts", "no_auth_user", "users"] {
            #expect(!lines.contains { $0.hasPrefix(directive) }, "no other auth mechanism beside JWTs: \(directive)")
        }
    }

    @Test func insecureNATSIsAnExplicitModeAndSaysSo() {
        let text = Self.natsConf(.insecure)
        #expect(!text.contains("operator:") && !text.contains("resolver"))
        #expect(text.contains("# No authorization (--insecure-nats)"))
        #expect(text.contains("jetstream {\n  store_dir: /data/jetstream\n}"))
    }

    /// nats-server reads nats.conf only when it starts: a rotated operator must replace the pod.
    @Test func aChangedNATSConfigRollsTheNATSPod() {
        func hash(_ authorization: NATSAuthorization) -> JSONValue? {
            InstallManifests.all(Fixtures.settings, natsAuthorization: authorization)
                .first { $0["kind"] == "Deployment" && $0[path: ["metadata", "name"]] == "nats" }?[
                    path: ["spec", "template", "metadata", "annotations", "flightdeck.dev/config-hash"]]
        }
        var rotated = Fixtures.natsAuthorizationSettings
        rotated.operatorJWT = Fixtures.jwt(subject: Fixtures.operatorKey, type: "operator", name: "flightdeck-2")
        let first = hash(Fixtures.natsAuthorization)
        #expect(first?.stringValue?.count == 16)
        #expect(first == hash(Fixtures.natsAuthorization), "the same config, the same pod")
        #expect(first != hash(.jwt(rotated)))
        #expect(first != hash(.insecure))
    }

    @Test func externalNATSDeploysNothingWhateverTheAuthorization() {
        let jwt = InstallManifests.all(Fixtures.externalSettings, natsAuthorization: Fixtures.natsAuthorization)
        #expect(jwt == InstallManifests.all(Fixtures.externalSettings, natsAuthorization: .insecure))
        #expect(!jwt.contains { $0[path: ["metadata", "name"]] == "nats" })
    }

    @Test func theFixtureAuthorizationIsValid() {
        #expect(Fixtures.natsAuthorization.validationErrors == [])
        #expect(NATSAuthorization.insecure.validationErrors == [])
    }

    /// One broken field per case, and the sentence that must name it.
    @Test(arguments: [
        ("operator JWT of an account", "operatorJWT is a JWT of type account, not operator"),
        ("a quote ends the string", "operatorJWT is not a JWT"),
        ("not a key", "systemAccount \"sys\" is not an account public key"),
        ("system account not preloaded", "accountJWTs has no JWT for the system account"),
        ("JWT under another key", "is the JWT of \(Fixtures.systemAccountKey), not of \(Fixtures.accountKey)"),
        ("a user key as account", "is not an account public key"),
        ("claims not JSON", "operatorJWT: the JWT's claims are not JSON"),
        ("no accounts", "accountJWTs is empty"),
    ])
    func aBadAuthorizationIsNamed(what: String, message: String) {
        var settings = Fixtures.natsAuthorizationSettings
        switch what {
        case "operator JWT of an account": settings.operatorJWT = Fixtures.jwt(subject: Fixtures.accountKey, type: "account", name: "x")
        case "a quote ends the string": settings.operatorJWT += "\"\nport: 1"
        case "not a key": settings.systemAccount = "sys"
        case "system account not preloaded": settings.accountJWTs[Fixtures.systemAccountKey] = nil
        case "JWT under another key": settings.accountJWTs[Fixtures.accountKey] = settings.accountJWTs[Fixtures.systemAccountKey]
        case "a user key as account":
            settings.accountJWTs["U" + Fixtures.accountKey.dropFirst()] = Fixtures.jwt(subject: "U", type: "user", name: "u")
        case "claims not JSON": settings.operatorJWT = "eyJhIjoxfQ.bm90IGpzb24.c2ln"
        case "no accounts": settings.accountJWTs = [:]
        default: Issue.record("unknown case \(what)")
        }
        let errors = settings.validationErrors
        #expect(errors.contains { $0.contains(message) }, "\(what): \(errors)")
    }

    // MARK: - Who reaches NATS

    /// Whether a NetworkPolicy peer with only a `podSelector` admits a pod with `labels`.
    static func admits(_ peer: JSONValue, _ labels: [String: String]) -> Bool {
        guard let selector = peer["podSelector"], peer["namespaceSelector"] == nil else { return false }
        let wanted = selector["matchLabels"]?.members ?? []
        return selector["matchExpressions"] == nil && wanted.allSatisfy { labels[$0.key] == $0.value.stringValue }
    }

    static func podLabels(_ object: JSONValue) -> [String: String] {
        ObjectMeta(json: object[path: ["spec", "template", "metadata"]]!).labels
    }

    @Test func natsIsReachableOnlyFromAgentsTheOrchestratorAndTheOperator() throws {
        var settings = Fixtures.settings
        settings.natsOperatorCIDRs = ["192.168.1.30/32", "10.10.0.0/24"]
        let bundle = Fixtures.installObjects(settings)
        let policy = try #require(bundle.first { $0["kind"] == "NetworkPolicy" && $0[path: ["metadata", "name"]] == "nats" })
        let spec = policy["spec"]!
        #expect(spec[path: ["podSelector", "matchLabels", "app.kubernetes.io/component"]] == "nats")
        #expect(spec["policyTypes"] == ["Ingress", "Egress"])
        #expect(spec["egress"] == nil, "NATS reaches nothing")
        let rules = try #require(spec["ingress"]?.arrayValue)
        #expect(rules.count == 1)
        #expect(rules[0]["ports"] == [["protocol": "TCP", "port": 4222]], "the client port only: never monitoring's 8222")
        let peers = rules[0]["from"]!.arrayValue!
        #expect(peers.compactMap { $0[path: ["ipBlock", "cidr"]]?.stringValue } == ["192.168.1.30/32", "10.10.0.0/24"])
        #expect(!peers.contains { $0["podSelector"] == .emptyObject }, "not every pod of the namespace")

        // Against the pods the bundle and a task actually run.
        let agent = Self.podLabels(TaskManifests.job(Fixtures.task, settings: settings, suspended: true, natsCredentials: true))
        let proxy = Self.podLabels(bundle.first { $0["kind"] == "Deployment" && $0[path: ["metadata", "name"]] == "egress-proxy" }!)
        let orchestrator = [FlightdeckLabels.managedBy: FlightdeckLabels.managedByValue,
            FlightdeckLabels.component: FlightdeckLabels.orchestratorComponent]
        #expect(peers.contains { Self.admits($0, agent) }, "agents and their log shippers")
        #expect(peers.contains { Self.admits($0, orchestrator) }, "an in-cluster orchestrator")
        #expect(!peers.contains { Self.admits($0, proxy) }, "not the egress proxy")
        #expect(!peers.contains { Self.admits($0, ["app": "something-else"]) })
    }

    @Test func withoutOperatorCIDRsOnlyPodsAreListed() throws {
        let policy = try #require(Fixtures.installObjects().first { $0["kind"] == "NetworkPolicy" && $0[path: ["metadata", "name"]] == "nats" })
        let peers = policy[path: ["spec", "ingress"]]![0]!["from"]!.arrayValue!
        #expect(peers.count == 2)
        #expect(peers.allSatisfy { $0["podSelector"] != nil && $0["ipBlock"] == nil })
    }
}
