import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Testing

/// The bus keys as the real `flightdeck` meets them: `install` and `manifests install` make
/// them once (mode 0600) and print the same bundle every run, rotate on request, refuse a
/// keys file that is open to others, damaged or holds a foreign key — one line naming it;
/// `jobs delete` revokes the job's NATS user against `flightdeck sim --nats`; a `.creds`
/// file open to others is refused. Every run has an `XDG_CONFIG_HOME` of its own.
@Suite(.timeLimit(.minutes(3))) struct BusCommandTests {
    let flightdeck = ProductProcess("flightdeck")
    let kubectl = ProductProcess(executable: URL(fileURLWithPath: "/usr/bin/kubectl"))
    let dir = TemporaryDirectory()

    var env: [String: String] {
        ["FLIGHTDECK_HISTORY_DB": dir.file("history.db"), "HOME": dir.path, "KUBECONFIG": "", "XDG_CONFIG_HOME": dir.file("xdg")]
    }

    var keysPath: String { dir.file("xdg/flightdeck/nats-keys.json") }

    func write(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
        let path = dir.file(name)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, mode_t(mode))
        return path
    }

    static func mode(_ path: String) throws -> Int {
        try ((FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1) & 0o777
    }

    static func json(_ path: String) throws -> JSONValue {
        try JSONParser(maxDepth: 16).parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    /// A JWT's claims (its middle part, base64url).
    static func claims(_ jwt: String) throws -> JSONValue {
        var base64 = String(jwt.split(separator: ".")[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return try JSONParser(maxDepth: 32).parse(Array(try #require(Data(base64Encoded: base64))))
    }

    /// The account JWTs the printed nats.conf preloads, by account public key.
    static func preloaded(_ bundle: String) -> [String: String] {
        var accounts: [String: String] = [:]
        for line in bundle.split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard text.first == "A", let colon = text.firstIndex(of: ":"), text.distance(from: text.startIndex, to: colon) == 56 else { continue }
            accounts[String(text[..<colon])] = text[text.index(after: colon)...].trimmingCharacters(in: CharacterSet(charactersIn: " \"\\"))
        }
        return accounts
    }

    /// The JWT of the account that has signing keys (not the system account), and its signing keys.
    static func account(_ bundle: String) throws -> (jwt: String, signingKeys: Int) {
        for jwt in preloaded(bundle).values {
            if let keys = try claims(jwt)["nats"]?["signing_keys"]?.arrayValue { return (jwt, keys.count) }
        }
        Issue.record("no account JWT with signing keys in the bundle")
        return ("", 0)
    }

    @Test func installMakesTheKeysOnceAndPrintsTheSameBundle() async throws {
        let first = try await flightdeck.run(["install"], environment: env)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr == "flightdeck: made the NATS keys \(keysPath) (mode 0600): keep them; whoever holds them may use the bus\n")
        #expect(try Self.mode(keysPath) == 0o600)
        #expect(first.stdout.contains("operator: "), "the NATS config trusts an operator")
        #expect(first.stdout.contains("resolver_preload"))
        #expect(Self.preloaded(first.stdout).count == 2, "the account and the system account")
        #expect(try Self.account(first.stdout).signingKeys == 1)

        let second = try await flightdeck.run(["install"], environment: env)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr == "", "nothing said about keys that exist")
        #expect(second.stdout == first.stdout, "the same keys give the same JWTs")
        let manifests = try await flightdeck.run(["manifests", "install"], environment: env)
        #expect(manifests.stdout == first.stdout && manifests.stderr == "")

        // Rotation: a new account JWT with one more signing key, three kept at most.
        let rotated = try await flightdeck.run(["install", "--rotate-nats-keys"], environment: env)
        #expect(rotated.status == 0, "\(rotated.stderr)")
        #expect(rotated.stderr == "flightdeck: rotated the NATS signing key in \(keysPath): new jobs get users signed by the new key; "
            + "jobs signed by a retired one are no longer accepted\n")
        #expect(try Self.account(rotated.stdout).jwt != Self.account(first.stdout).jwt)
        #expect(try Self.account(rotated.stdout).signingKeys == 2)
        #expect(try Self.mode(keysPath) == 0o600)
        var last = rotated
        for _ in 0..<2 { last = try await flightdeck.run(["install", "--rotate-nats-keys"], environment: env) }
        #expect(last.status == 0, "\(last.stderr)")
        #expect(try Self.account(last.stdout).signingKeys == 3)
        #expect(try Self.json(keysPath)["signing_keys"]?.arrayValue?.count == 3)
        let unchanged = try await flightdeck.run(["install"], environment: env)
        #expect(unchanged.stdout == last.stdout)
    }

    @Test func insecureNATSPrintsNoAuthorizationAndWarns() async throws {
        let insecure = try await flightdeck.run(["install", "--insecure-nats"], environment: env)
        #expect(insecure.status == 0, "\(insecure.stderr)")
        #expect(insecure.stderr == "flightdeck: NATS is deployed without authorization (--insecure-nats): "
            + "any agent can read and steer every other agent\n")
        #expect(insecure.stdout.contains("name: nats"), "NATS is still deployed")
        #expect(!insecure.stdout.contains("operator: ") && !insecure.stdout.contains("resolver_preload"))
        #expect(!FileManager.default.fileExists(atPath: keysPath), "no keys made for a bus without identities")
        let manifests = try await flightdeck.run(["manifests", "install", "--insecure-nats"], environment: env)
        #expect(manifests.stdout == insecure.stdout)

        let both = try await flightdeck.run(["install", "--rotate-nats-keys", "--insecure-nats"], environment: env)
        #expect(both.status == 64)
        #expect(both.stderr.hasPrefix("flightdeck: --rotate-nats-keys and --insecure-nats exclude each other"), "\(both.stderr)")
        #expect(both.stderr.split(separator: "\n").count == 1, "one line: \(both.stderr)")
        #expect(both.stdout == "")
    }

    /// Each bad keys file, at the default path and at one the config names, for both commands.
    @Test func badKeysFilesAreOneLineNamingThem() async throws {
        let made = try await flightdeck.run(["install"], environment: env)
        #expect(made.status == 0, "\(made.stderr)")
        let good = try String(contentsOfFile: keysPath, encoding: .utf8)
        let keys = try Self.json(keysPath)
        let account = try #require(keys["account"]?.stringValue)
        let foreign = good.replacingOccurrences(of: try #require(keys["operator"]?.stringValue), with: account)

        let named = dir.file("named-keys.json")
        let config = try write("config.yaml", "cluster:\n  nats:\n    keys: \(named)\n")
        for (text, mode, reason) in [
            (good, 0o644, { (path: String) in "the NATS keys \(path) is open to others (mode 644): run chmod 600 \(path)" }),
            (good, 0o604, { (path: String) in "the NATS keys \(path) is open to others (mode 604): run chmod 600 \(path)" }),
            ("{\"version\": 1, ", 0o600, { (path: String) in "the NATS keys \(path): not a JSON object" }),
            (foreign, 0o600, { (path: String) in "the NATS keys \(path): operator is not an operator key" }),
        ] {
            for (path, arguments) in [(keysPath, ["install"]), (keysPath, ["manifests", "install"]),
                (named, ["install", "--config", config]), (named, ["manifests", "install", "--config", config]),
                (keysPath, ["install", "--rotate-nats-keys"])]
            {
                _ = try write(String(path.dropFirst(dir.path.count + 1)), text, mode: mode)
                let result = try await flightdeck.run(arguments, environment: env)
                #expect(result.status == 1, "\(arguments) \(mode): \(result.stderr)")
                #expect(result.stderr == "flightdeck: \(reason(path))\n", "\(arguments)")
                #expect(result.stdout == "", "\(arguments): nothing printed")
            }
        }
        // The named file is left as it was: never replaced by new keys.
        #expect(try String(contentsOfFile: named, encoding: .utf8) == foreign)
    }

    // MARK: - Revocation on the simulated cluster

    /// The job's `.creds`, from its Secret as the cluster holds it (kubectl).
    func jobCredentials(_ job: String, kubeconfig: String) async throws -> String {
        let secret = try await kubectl.run(["--kubeconfig", kubeconfig, "-n", "agents", "get", "secret", job + "-task",
            "-o", "jsonpath={.data.nats\\.creds}"], environment: env)
        #expect(secret.status == 0, "\(secret.stderr)")
        return String(decoding: try #require(Data(base64Encoded: secret.stdout)), as: UTF8.self)
    }

    /// The user public key a `.creds` file's JWT was issued to.
    static func user(_ credentials: String) throws -> String {
        let lines = credentials.split(separator: "\n").map(String.init)
        let start = try #require(lines.firstIndex { $0.contains("BEGIN NATS USER JWT") })
        return try #require(try claims(lines[start + 1])["sub"]?.stringValue)
    }

    @Test func deletingAJobRevokesItsNATSUser() async throws {
        let running = try flightdeck.start(["sim", "--nats", "--data-dir", dir.file("s")], environment: env)
        defer { running.kill(SIGKILL) }
        let kubeconfig = dir.file("s/kubeconfig.yaml")
        let keys = dir.file("s/nats-keys.json")
        try await eventually { FileManager.default.fileExists(atPath: kubeconfig) }
        let ports = dir.file("s/nats/ports")
        var natsURL = ""
        try await eventually {
            guard let name = try? FileManager.default.contentsOfDirectory(atPath: ports).first(where: { $0.hasSuffix(".ports") }),
                let data = FileManager.default.contents(atPath: ports + "/" + name),
                let url = try? JSONParser().parse(Array(data))["nats"]?.arrayValue?.first?.stringValue
            else { return false }
            natsURL = url
            return true
        }
        #expect(try Self.mode(keys) == 0o600)
        let told = try write("told.yaml", "cluster:\n  nats:\n    url: \(natsURL)\n    keys: \(keys)\n")
        let untold = try write("untold.yaml", "cluster:\n  nats:\n    keys: \(keys)\n")
        let withCluster = env.merging(["KUBECONFIG": kubeconfig]) { $1 }

        func submit(_ uuid: String, config: String) async throws -> String {
            var result = try await flightdeck.run(["submit", "--config", config, "--image", "ghcr.io/flightdeck/sim-agent:1",
                "--prompt", "Fix it", "--env", "SIM_AGENT_STEPS=500", "--uuid", uuid], environment: withCluster)
            for _ in 0..<50 where result.status != 0 && result.stderr.contains("connect") {
                try await Task.sleep(for: .milliseconds(100))  // the server writes its kubeconfig before it listens
                result = try await flightdeck.run(["submit", "--config", config, "--image", "ghcr.io/flightdeck/sim-agent:1",
                    "--prompt", "Fix it", "--env", "SIM_AGENT_STEPS=500", "--uuid", uuid], environment: withCluster)
            }
            #expect(result.status == 0, "\(result.stderr)")
            return "agent-" + uuid.replacingOccurrences(of: "-", with: "").prefix(12)
        }

        // With the server's URL: the server is told, and refuses the user from then on.
        let job = try await submit("11111111-2222-4333-8444-555555555555", config: told)
        let credentials = try await jobCredentials(job, kubeconfig: kubeconfig)
        let user = try Self.user(credentials)
        #expect(user.hasPrefix("U") && user.count == 56)
        let credentialsFile = try write("job.creds", credentials, mode: 0o644)
        let asJob = try write("as-job.yaml", "cluster:\n  nats:\n    url: \(natsURL)\n    credentials: \(credentialsFile)\n")
        let steer = ["jobs", "steer", "--config", asJob, job, "pause"]

        // A .creds file open to others: one line naming it.
        let open = try await flightdeck.run(steer, environment: withCluster)
        #expect(open.status == 1)
        #expect(open.stderr == "flightdeck: the NATS credentials \(credentialsFile) is open to others (mode 644): "
            + "run chmod 600 \(credentialsFile)\n")
        chmod(credentialsFile, 0o600)
        let accepted = try await flightdeck.run(steer, environment: withCluster)
        // The job's user connects, and gets as far as JetStream's API (which it may not use).
        #expect(accepted.stderr.contains("$JS.API."), "\(accepted.stderr)")
        #expect(!accepted.stderr.contains("Authorization Violation"), "\(accepted.stderr)")

        let deleted = try await flightdeck.run(["jobs", "delete", "--config", told, job], environment: withCluster)
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(deleted.stdout == "job.batch/\(job) deleted (its pods, workspace claim and Secret follow); its NATS user is revoked\n")
        #expect(try Self.json(keys)["revocations"]?[user]?.stringValue != nil, "kept in the keys")
        #expect(try Self.mode(keys) == 0o600)
        let refused = try await flightdeck.run(steer, environment: withCluster)
        #expect(refused.status == 1)
        #expect(refused.stderr == "flightdeck: \(natsURL) refused the connection: Authorization Violation\n",
            "the server refuses the revoked user, said once: \(refused.stderr)")

        // Without a NATS URL: revoked in the keys, and the line says the server was not told.
        let second = try await submit("66666666-7777-4888-8999-aaaaaaaaaaaa", config: untold)
        let secondUser = try Self.user(try await jobCredentials(second, kubeconfig: kubeconfig))
        let quiet = try await flightdeck.run(["jobs", "delete", "--config", untold, second], environment: withCluster)
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(quiet.stdout == "job.batch/\(second) deleted (its pods, workspace claim and Secret follow); its NATS user is revoked "
            + "in the keys, but the NATS server was not told (no NATS URL is configured here): `flightdeck install --apply` tells it\n")
        let revocations = try Self.json(keys)["revocations"]
        #expect(revocations?[secondUser]?.stringValue != nil && revocations?[user]?.stringValue != nil)
        running.kill(SIGINT)
        _ = await running.finish()
    }

    /// `flightdeck doctor` against `flightdeck sim --nats` with the sim's keys in the config:
    /// the bus's lines, then the keys file opened to others failing the doctor.
    @Test func doctorChecksTheBusOfTheSimsNATS() async throws {
        let running = try flightdeck.start(["sim", "--nats", "--data-dir", dir.file("s")], environment: env)
        defer { running.kill(SIGKILL) }
        let kubeconfig = dir.file("s/kubeconfig.yaml")
        let keys = dir.file("s/nats-keys.json")
        let ports = dir.file("s/nats/ports")
        var natsURL = ""
        try await eventually {
            guard FileManager.default.fileExists(atPath: kubeconfig),
                let name = try? FileManager.default.contentsOfDirectory(atPath: ports).first(where: { $0.hasSuffix(".ports") }),
                let data = FileManager.default.contents(atPath: ports + "/" + name),
                let url = try? JSONParser().parse(Array(data))["nats"]?.arrayValue?.first?.stringValue
            else { return false }
            natsURL = url
            return true
        }
        let config = try write("config.yaml", "cluster:\n  nats:\n    url: \(natsURL)\n    keys: \(keys)\n")
        let withCluster = env.merging(["KUBECONFIG": kubeconfig]) { $1 }
        var install = try await flightdeck.run(["install", "--apply", "--config", config], environment: withCluster)
        for _ in 0..<50 where install.status != 0 && install.stderr.contains("connect") {
            try await Task.sleep(for: .milliseconds(100))  // the server writes its kubeconfig before it listens
            install = try await flightdeck.run(["install", "--apply", "--config", config], environment: withCluster)
        }
        #expect(install.status == 0, "\(install.stderr)")
        #expect(install.stdout.contains("nats account "), "install tells the server: \(install.stdout)")

        func line(_ result: ProductProcess.Result, _ name: String) -> String {
            result.stdout.split(separator: "\n").first { $0.split(separator: " ").dropFirst().first == Substring(name) }
                .map(String.init) ?? ""
        }
        func detail(_ text: String) -> String {
            // `✓  name   detail`: what follows the name's column.
            text.split(separator: " ", maxSplits: 2).dropFirst(2).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        }
        let doctor = try await flightdeck.run(["doctor", "--config", config], environment: withCluster)
        #expect(line(doctor, "nats").hasPrefix("✓"), "\(doctor.stdout)")
        #expect(detail(line(doctor, "nats")).hasPrefix("\(natsURL) answers (nats-server "), "\(doctor.stdout)")
        #expect(line(doctor, "nats:credentials").hasPrefix("✓"))
        #expect(detail(line(doctor, "nats:credentials")).hasPrefix("minted per connection from \(keys) (account A"), "\(doctor.stdout)")
        #expect(detail(line(doctor, "nats:auth")) == "\(natsURL): JWT mode; a user minted from the NATS keys is accepted", "\(doctor.stdout)")
        #expect(line(doctor, "nats:auth").hasPrefix("✓"))
        #expect(!line(doctor, "nats:stream").isEmpty, "\(doctor.stdout)")
        #expect(doctor.status != 1, "nothing failed: \(doctor.stdout)")

        chmod(keys, 0o644)
        let open = try await flightdeck.run(["doctor", "--config", config], environment: withCluster)
        #expect(open.status == 1)
        #expect(line(open, "nats:credentials").hasPrefix("✗"), "\(open.stdout)")
        #expect(detail(line(open, "nats:credentials")) == "the NATS keys \(keys) is open to others (mode 644): run chmod 600 \(keys)")
        #expect(open.stderr == "flightdeck: doctor found a problem (marked above)\n")
        chmod(keys, 0o600)
        running.kill(SIGINT)
        _ = await running.finish()
    }

    /// Any command that connects with a `.creds` file refuses one open to others, or damaged,
    /// before connecting.
    @Test func aCredentialsFileOpenToOthersOrDamagedIsRefused() async throws {
        let kubeconfig = try write("kubeconfig.yaml", """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: here, context: {cluster: c, user: u}}]
            current-context: here
            """)
        let credentials = try write("ops.creds", "-----BEGIN NATS USER JWT-----\nnot.a.jwt\n------END NATS USER JWT------\n", mode: 0o644)
        let config = try write("config.yaml", "cluster:\n  nats:\n    url: nats://127.0.0.1:9\n    credentials: \(credentials)\n")
        let withCluster = env.merging(["KUBECONFIG": kubeconfig]) { $1 }
        for arguments in [["jobs", "steer", "--config", config, "agent-1", "pause"], ["logs", "--config", config, "-f", "agent-1"]] {
            chmod(credentials, 0o644)
            let open = try await flightdeck.run(arguments, environment: withCluster)
            #expect(open.status == 1, "\(arguments)")
            #expect(open.stderr == "flightdeck: the NATS credentials \(credentials) is open to others (mode 644): run chmod 600 \(credentials)\n",
                "\(arguments)")
            chmod(credentials, 0o600)
            let damaged = try await flightdeck.run(arguments, environment: withCluster)
            #expect(damaged.status == 1, "\(arguments)")
            #expect(damaged.stderr == "flightdeck: the NATS credentials \(credentials): it has no user NKEY seed\n", "\(arguments)")
        }
    }
}
