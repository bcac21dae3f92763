import Foundation
import Testing

@testable import KubeClient

@Suite("Exec credential plugins")
struct ExecCredentialTests {
    /// A real plugin: a shell script that records its input and prints an ExecCredential.
    func plugin(_ box: Sandbox, name: String = "get-token", body: String) -> String {
        let path = box.write("bin/\(name)", "#!/bin/sh\n\(body)\n", mode: 0o755)
        return path
    }

    func config(_ box: Sandbox, command: String, apiVersion: String = "client.authentication.k8s.io/v1", extra: String = "") -> String {
        box.write("k.yaml", Fixture.withUser("""
                exec:
                  apiVersion: \(apiVersion)
                  command: \(command)
                  args: [--cluster, lab]
                  env:
                  - {name: PLUGIN_GREETING, value: hello}
                  interactiveMode: Never
                  provideClusterInfo: true
                  installHint: "install get-token from your admin"
            \(extra)
            """, cluster: """
                server: https://10.0.0.1:6443
                certificate-authority-data: \(Fixture.base64(Fixture.ca))
            """, name: "eks"))
    }

    func allow(_ box: Sandbox, _ entries: [String]) -> String {
        box.write("home/.config/flightdeck/config.yaml", """
            theme: dark
            kubernetes:
              allowedExecCommands: [\(entries.joined(separator: ", "))]
            """)
    }

    @Test func allowedPluginRunsAndItsCredentialIsCachedUntilExpiry() async throws {
        let box = Sandbox()
        let counter = "\(box.root)/runs"
        let script = plugin(box, body: """
            echo run >> \(counter)
            printf '%s' "$KUBERNETES_EXEC_INFO" > \(box.root)/exec-info.json
            printf '%s %s %s' "$1" "$2" "$PLUGIN_GREETING" > \(box.root)/args.txt
            cat <<JSON
            {"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1",
             "status":{"token":"tok-$(wc -l < \(counter) | tr -d ' ')","expirationTimestamp":"2030-01-01T00:00:00Z"}}
            JSON
            """)
        let path = config(box, command: "bin/get-token")  // relative: resolved against k.yaml's dir
        _ = allow(box, ["get-token"])
        let connection = try box.loader(environment: ["PATH": "/usr/bin:/bin"]).load(kubeconfig: path)
        #expect(connection.execPlugin?.command == script)
        #expect(connection.authSummary == "exec get-token")

        let clock = TestClock(Date(timeIntervalSince1970: 1_800_000_000))  // 2027
        let now: @Sendable () -> Date = { clock.now }
        let provider = try #require(ExecCredentialProvider(connection: connection, environment: ["PATH": "/usr/bin:/bin"], now: now))
        let first = try await provider.credential()
        #expect(first.token == "tok-1")
        #expect(first.expiration == Date(timeIntervalSince1970: 1_893_456_000))
        #expect(try await provider.credential().token == "tok-1")  // cached
        clock.now = Date(timeIntervalSince1970: 1_900_000_000)  // past expiry
        #expect(try await provider.credential().token == "tok-2")
        provider.invalidate()
        // Concurrent callers share one run of the plugin (on a thread of its own); the clock
        // is past the expiry, so each call after it runs the plugin again.
        let tokens = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<6 { group.addTask { try await provider.credential().token } }
            return try await group.reduce(into: Set<String?>()) { $0.insert($1) }
        }
        #expect(tokens == ["tok-3"])
        #expect(try await provider.credential().token == "tok-4")

        let args = try String(contentsOfFile: "\(box.root)/args.txt", encoding: .utf8)
        #expect(args == "--cluster lab hello")
        let info = try String(contentsOfFile: "\(box.root)/exec-info.json", encoding: .utf8)
        #expect(info.contains(#""apiVersion":"client.authentication.k8s.io/v1""#))
        #expect(info.contains(#""interactive":false"#))
        #expect(info.contains(#""server":"https://10.0.0.1:6443""#))
        #expect(info.contains(#""certificate-authority-data":"\#(Fixture.base64(Fixture.ca))""#))
    }

    @Test func pluginReturningClientCertificate() async throws {
        let box = Sandbox()
        let cert = Fixture.cert.replacingOccurrences(of: "\n", with: "\\n")
        let key = Fixture.key.replacingOccurrences(of: "\n", with: "\\n")
        _ = plugin(box, body: """
            cat <<'JSON'
            {"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","status":{"clientCertificateData":"\(cert)","clientKeyData":"\(key)"}}
            JSON
            """)
        let path = config(box, command: "\(box.root)/bin/get-token", apiVersion: "client.authentication.k8s.io/v1beta1")
        _ = allow(box, ["\(box.root)/bin/get-token"])  // absolute entry
        let connection = try box.loader().load(kubeconfig: path)
        let provider = try #require(ExecCredentialProvider(connection: connection, environment: [:]))
        let credential = try await provider.credential()
        #expect(credential.clientCertificate == Array(Fixture.cert.utf8))
        #expect(credential.clientKey == Array(Fixture.key.utf8))
        #expect(credential.token == nil)
        #expect(credential.expiration == nil)
        #expect(!"\(credential)".contains("BEGIN"))
    }

    @Test func bareNameIsFoundInPath() async throws {
        let box = Sandbox()
        _ = plugin(box, name: "kubelogin", body: #"echo '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"from-path"}}'"#)
        let path = config(box, command: "kubelogin")
        _ = allow(box, ["kubelogin"])
        let environment = ["PATH": "\(box.root)/nothing:\(box.root)/bin:/usr/bin:/bin"]
        let connection = try box.loader(environment: environment).load(kubeconfig: path)
        let provider = try #require(ExecCredentialProvider(connection: connection, environment: environment))
        #expect(try await provider.credential().token == "from-path")
    }

    @Test func notAllowedIsRefusedWithTheMessage() {
        let box = Sandbox()
        _ = plugin(box, body: "exit 0")
        let path = config(box, command: "bin/get-token")
        let error = loadError(box.loader(), kubeconfig: path)
        #expect(error?.kind == .execNotAllowed)
        #expect(error?.description == "kubeconfig \(path): user eks runs exec plugin '\(box.root)/bin/get-token'; Flightdeck runs exec plugins only when allowed: add it under kubernetes.allowedExecCommands in ~/.config/flightdeck/config.yaml")
        // An absolute entry for a different path does not allow it; nor does a lookalike name.
        _ = allow(box, ["/usr/local/bin/get-token", "get-token-old"])
        #expect(loadError(box.loader(), kubeconfig: path)?.kind == .execNotAllowed)
    }

    @Test func xdgConfigHomeIsWhereTheAllowListLives() throws {
        let box = Sandbox()
        _ = plugin(box, body: "exit 0")
        let path = config(box, command: "bin/get-token")
        box.write("xdg/flightdeck/config.yaml", "kubernetes:\n  allowedExecCommands:\n  - get-token\n")
        let loader = KubeconfigLoader(
            environment: ["XDG_CONFIG_HOME": "\(box.root)/xdg"], homeDirectory: box.home,
            workingDirectory: box.workingDirectory, k3sConfigPath: box.k3sConfig, serviceAccountDirectory: box.serviceAccount
        )
        #expect(loader.flightdeckConfigPath == "\(box.root)/xdg/flightdeck/config.yaml")
        #expect(try loader.load(kubeconfig: path).execPlugin != nil)
    }

    @Test func failingPluginIsOneLineWithItsStderr() async throws {
        let box = Sandbox()
        _ = plugin(box, body: "printf '\\033[31mtoken expired\\033[0m: run aws sso login\\nmore detail\\n' >&2; exit 3")
        let path = config(box, command: "bin/get-token")
        _ = allow(box, ["get-token"])
        let connection = try box.loader().load(kubeconfig: path)
        let provider = try #require(ExecCredentialProvider(connection: connection, environment: [:]))
        do {
            _ = try await provider.credential()
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .execFailed)
            expectOneLine(error, naming: path, contains: ["status 3", "token expired", "^[[31m"])
            #expect(!error.description.contains("\u{1B}"))
            #expect(!error.description.contains("more detail"))
        }
    }

    @Test func hangingPluginTimesOut() async throws {
        let box = Sandbox()
        _ = plugin(box, body: "echo waiting for browser login >&2; exec sleep 30")
        let path = config(box, command: "bin/get-token")
        _ = allow(box, ["get-token"])
        let connection = try box.loader().load(kubeconfig: path)
        let provider = try #require(ExecCredentialProvider(connection: connection, environment: [:], timeout: 0.5))
        #expect(provider.timeout == 0.5)
        let started = Date()
        do {
            _ = try await provider.credential()
            Issue.record("expected an error")
        } catch {
            expectOneLine(error, naming: path, contains: ["timed out", "waiting for browser login"])
        }
        // Well under the plugin's 30 s: the timeout ended it (a loaded test run has taken 7.5 s
        // to get there, so the bound is not tighter).
        #expect(Date().timeIntervalSince(started) < 20)
    }

    @Test func defaultTimeoutIsTenSeconds() throws {
        let connection = ClusterConnection(
            source: .explicitFile, contextName: "c", clusterName: "c", userName: "u",
            server: URL(string: "https://x")!, host: "x", port: 443, namespace: "agents",
            execPlugin: ExecPluginSpec(command: "true", apiVersion: "client.authentication.k8s.io/v1", interactiveMode: .never)
        )
        #expect(ExecCredentialProvider(connection: connection, environment: [:])?.timeout == 10)
    }

    @Test func badOutputsAreRefused() async throws {
        let box = Sandbox()
        let cases: [(String, String)] = [
            ("echo not json", "not JSON"),
            (#"echo '{"kind":"Pod","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"x"}}'"#, "kind 'Pod'"),
            (#"echo '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"x"}}'"#, "apiVersion"),
            (#"echo '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1"}'"#, "no status"),
            (#"echo '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{}}'"#, "neither a token"),
            (#"echo '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"clientCertificateData":"x"}}'"#, "not both"),
            (#"echo '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"x","expirationTimestamp":"soon"}}'"#, "RFC 3339"),
        ]
        _ = allow(box, ["get-token"])
        for (body, expected) in cases {
            _ = plugin(box, body: body)
            let path = config(box, command: "bin/get-token")
            let connection = try box.loader().load(kubeconfig: path)
            let provider = try #require(ExecCredentialProvider(connection: connection, environment: [:]))
            do {
                _ = try await provider.credential()
                Issue.record("expected an error for \(body)")
            } catch {
                #expect(error.kind == .badExecCredential)
                expectOneLine(error, naming: path, contains: [expected])
            }
        }
    }

    @Test func missingPluginShowsTheInstallHint() async throws {
        let box = Sandbox()
        let path = config(box, command: "no-such-plugin")
        _ = allow(box, ["no-such-plugin"])
        let connection = try box.loader(environment: ["PATH": "\(box.root)/empty"]).load(kubeconfig: path)
        let provider = try #require(ExecCredentialProvider(connection: connection, environment: ["PATH": "\(box.root)/empty"]))
        do {
            _ = try await provider.credential()
            Issue.record("expected an error")
        } catch {
            expectOneLine(error, naming: path, contains: ["not found", "install get-token from your admin"])
        }
    }

    @Test func interactiveModeRules() {
        let box = Sandbox()
        _ = allow(box, ["get-token"])
        // v1 without interactiveMode: kubectl refuses it.
        let v1 = box.write("v1.yaml", Fixture.withUser("""
                exec: {command: get-token, apiVersion: client.authentication.k8s.io/v1}
            """))
        let error = loadError(box.loader(), kubeconfig: v1)
        expectOneLine(error, naming: v1, contains: ["interactiveMode"])
        // Always: needs a terminal Flightdeck does not give.
        let always = box.write("always.yaml", Fixture.withUser("""
                exec: {command: get-token, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Always}
            """))
        expectOneLine(loadError(box.loader(), kubeconfig: always), naming: always, contains: ["Always"])
        // v1alpha1 is gone.
        let alpha = box.write("alpha.yaml", Fixture.withUser("""
                exec: {command: get-token, apiVersion: client.authentication.k8s.io/v1alpha1}
            """))
        expectOneLine(loadError(box.loader(), kubeconfig: alpha), naming: alpha, contains: ["v1alpha1"])
    }

    @Test func allowListMatching() {
        let config = FlightdeckConfig(allowedExecCommands: ["aws", "/usr/local/bin/x"], path: "/c")
        #expect(config.allows(command: "aws", resolvedPath: "/usr/bin/aws"))
        #expect(config.allows(command: "/opt/aws-cli/bin/aws", resolvedPath: nil))
        #expect(config.allows(command: "x", resolvedPath: "/usr/local/bin/x"))
        #expect(config.allows(command: "/usr/local/bin/x", resolvedPath: nil))
        #expect(!config.allows(command: "x", resolvedPath: "/tmp/x"))
        #expect(!config.allows(command: "aws-evil", resolvedPath: nil))
        #expect(!FlightdeckConfig(path: "/c").allows(command: "aws", resolvedPath: nil))
    }

    @Test func badFlightdeckConfigIsOneLine() {
        let box = Sandbox()
        let path = box.write("home/.config/flightdeck/config.yaml", "kubernetes:\n  allowedExecCommands: aws\n")
        // A user without a plugin never reads Flightdeck's config.
        box.write(box.homeConfig, Fixture.k3s())
        #expect((try? box.loader().load()) != nil)
        // One with a plugin does, and its error names the config file and line.
        let kubeconfig = config(box, command: "aws")
        let error = loadError(box.loader(), kubeconfig: kubeconfig)
        #expect(error?.kind == .badFlightdeckConfig)
        expectOneLine(error, naming: "\(path):2:", contains: ["allowedExecCommands"])
    }
}

/// A settable clock the provider can read from any thread.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Date
    init(_ value: Date) { self.value = value }
    var now: Date {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
