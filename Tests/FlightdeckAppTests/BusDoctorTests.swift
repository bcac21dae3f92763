import AgentManifests
import FlightdeckApp
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import NATSAuth
import NATSClient
import Testing

/// `flightdeck doctor`'s checks of an external NATS server as Flightdeck's bus, against the
/// real nats-server: in JWT mode trusting generated keys or other keys, without JWT mode, and
/// a dead port; with keys files and `.creds` files as real files of their modes.
@Suite(.enabled(if: NATSServerProcess.executable != nil, "needs nats-server (Debian's package)"), .timeLimit(.minutes(2)))
struct BusDoctorTests {
    let directory = TemporaryDirectory("flightdeck-bus-doctor")

    /// A nats-server trusting `keys`' operator, JetStream on, a full resolver in its directory
    /// (the authorization spelled out from the keys' JWTs, as the install bundle has it).
    static func server(_ keys: BusKeys) async throws -> NATSServerProcess {
        let authorization = NATSAuthorizationSettings(operatorJWT: keys.operatorJWT().token, systemAccount: keys.system.publicKey,
            accountJWTs: [keys.account.publicKey: keys.accountJWT().token, keys.system.publicKey: keys.systemAccountJWT().token])
        return try await NATSServerProcess { directory in
            authorization.serverConfiguration(resolverDirectory: directory + "/jwt")
                + "jetstream { store_dir: \"\(directory)/js\" }\n"
        }
    }

    /// `keys` written to a keys file (mode 0600), and settings naming it for `server`.
    func settings(_ server: NATSServerProcess, keys: BusKeys, file: String = "nats-keys.json") throws -> (ClusterSettings, String) {
        let path = directory.file(file)
        try BusKeyFile.write(keys, to: path)
        var settings = ClusterSettings(natsURL: server.url)
        settings.natsKeysPath = path
        return (settings, path)
    }

    /// `credentials` in a `.creds` file (mode 0600), and settings naming it for `server`.
    func settings(_ server: NATSServerProcess, credentials: NATSCredentials, file: String) throws -> (ClusterSettings, String) {
        let path = directory.file(file)
        try SecretFile.write(credentials.fileText, to: path, what: "credentials")
        var settings = ClusterSettings(natsURL: server.url)
        settings.natsCredentialsPath = path
        return (settings, path)
    }

    static func line(_ checks: [DoctorCheck], _ name: String) -> DoctorCheck? { checks.first { $0.name == name } }

    static func address(_ server: NATSServerProcess) -> String { "nats://127.0.0.1:\(server.port)" }

    @Test func aServerTrustingTheKeysPassesAndTheTraceStreamIsLookedFor() async throws {
        let keys = BusKeys.generate()
        let server = try await Self.server(keys)
        let (settings, path) = try settings(server, keys: keys)
        let address = Self.address(server)

        let before = await ClusterChecks.bus(url: server.url, settings: settings)
        #expect(before.map(\.name) == ["nats", "nats:credentials", "nats:auth", "nats:stream"], "\(before)")
        let nats = try #require(Self.line(before, "nats"))
        #expect(nats.ok && nats.detail.hasPrefix("\(address) answers (nats-server 2."), "\(nats)")
        #expect(nats.detail.hasSuffix(", JetStream on)"))
        let credentials = try #require(Self.line(before, "nats:credentials"))
        #expect(credentials.ok)
        #expect(credentials.detail.hasPrefix("minted per connection from \(path) (account \(keys.account.publicKey.prefix(12))…"),
            "\(credentials)")
        #expect(Self.line(before, "nats:auth") == DoctorCheck(name: "nats:auth", ok: true, required: false,
            detail: "\(address): JWT mode; a user minted from the NATS keys is accepted"))
        #expect(Self.line(before, "nats:stream") == DoctorCheck(name: "nats:stream", ok: false, required: false,
            detail: "no stream FLIGHTDECK_TRACE on \(address) yet: the agents' trace is not kept until a cockpit "
                + "or `flightdeck record` makes it; no FLIGHTDECK_COMMANDS yet (fine before the first command)"))
        #expect(!DoctorReport(before).failed && DoctorReport(before).exitStatus == 2)

        // The trace stream as the operator's tools make it, and an agent's record in it.
        let tools = NATSConnection(options: .init(servers: [NATSServerAddress(url: server.url)!],
            credentials: keys.user(name: "ops", permissions: .operatorTools, expires: Date().addingTimeInterval(600)).proof))
        try await tools.connect(timeout: .seconds(20))
        let jetStream = JetStream(connection: tools)
        try await jetStream.ensureStream(StreamConfig())
        await tools.close()
        let agent = NATSConnection(options: .init(servers: [NATSServerAddress(url: server.url)!],
            credentials: try #require(keys.jobUser("agent-a", expires: Date().addingTimeInterval(600))).proof,
            inboxPrefix: BusNames.inboxPrefix(forJob: "agent-a")))
        try await agent.connect(timeout: .seconds(20))
        _ = try await agent.request("logs.agent.agent-a", payload: Array(#"{"kind":"thought"}"#.utf8))
        await agent.close()

        let after = await ClusterChecks.bus(url: server.url, settings: settings)
        let stream = try #require(Self.line(after, "nats:stream"))
        #expect(stream.ok, "\(stream)")
        #expect(stream.detail.hasPrefix("FLIGHTDECK_TRACE holds 1 message ("), "\(stream)")
        #expect(stream.detail.hasSuffix("; no FLIGHTDECK_COMMANDS yet (fine before the first command)"), "\(stream)")
        #expect(DoctorReport(after).exitStatus == 0, "\(after)")

        // A command sent: its stream is there too.
        let sender = NATSConnection(options: .init(servers: [NATSServerAddress(url: server.url)!],
            credentials: keys.user(name: "ops", permissions: .operatorTools, expires: Date().addingTimeInterval(600)).proof))
        try await sender.connect(timeout: .seconds(20))
        try await CommandStream.send(IssuedCommand.issue(.pause), toJob: "agent-a", on: JetStream(connection: sender))
        await sender.close()
        let withCommands = await ClusterChecks.bus(url: server.url, settings: settings)
        #expect(Self.line(withCommands, "nats:stream")?.detail.hasSuffix("; FLIGHTDECK_COMMANDS holds 1 message waiting") == true,
            "\(withCommands)")
    }

    @Test func aServerWithoutJWTModeFails() async throws {
        let server = try await NATSServerProcess(jetStream: true)
        let address = Self.address(server)
        // Keys here change nothing: the server asks for no one's.
        let (settings, _) = try settings(server, keys: BusKeys.generate())
        let checks = await ClusterChecks.bus(url: server.url, settings: settings)
        #expect(Self.line(checks, "nats")?.ok == true)
        #expect(Self.line(checks, "nats:auth") == DoctorCheck(name: "nats:auth", ok: false, required: true,
            detail: "\(address): not in JWT mode: any client can read every agent's trace"))
        // Anyone may look at its streams: there are none.
        #expect(Self.line(checks, "nats:stream")?.detail.hasPrefix("no stream FLIGHTDECK_TRACE on \(address) yet") == true, "\(checks)")
        #expect(DoctorReport(checks).failed)

        let password = try await NATSServerProcess(extra: ["--user", "u", "--pass", "p"])
        let asks = await ClusterChecks.bus(url: password.url, settings: ClusterSettings(natsURL: password.url))
        #expect(Self.line(asks, "nats:auth")?.detail == "\(Self.address(password)): not in JWT mode (it asks for a password or token): "
            + "every client that has it can read every agent's trace")
        #expect(Self.line(asks, "nats:credentials") == DoctorCheck(name: "nats:credentials", ok: false, required: false,
            detail: "none here: set cluster.nats.keys (the keys `flightdeck install` makes) or cluster.nats.credentials (a .creds file)"))
    }

    @Test func keysTheServerDoesNotTrustAreSaidSo() async throws {
        let trusted = BusKeys.generate()
        let server = try await Self.server(trusted)
        let address = Self.address(server)

        // Another operator's keys.
        let (other, otherPath) = try settings(server, keys: BusKeys.generate(), file: "other-keys.json")
        let refused = await ClusterChecks.bus(url: server.url, settings: other)
        #expect(Self.line(refused, "nats:auth") == DoctorCheck(name: "nats:auth", ok: false, required: true,
            detail: "\(address) does not trust the NATS keys \(otherPath) (Authorization Violation): it was set up with other keys"))
        #expect(Self.line(refused, "nats:stream") == nil, "nothing more is tried: \(refused)")
        #expect(DoctorReport(refused).failed)

        // The same operator, but a signing key rotated in without telling the server.
        var rotated = trusted
        rotated.rotate()
        let (stale, stalePath) = try settings(server, keys: rotated, file: "rotated-keys.json")
        let behind = await ClusterChecks.bus(url: server.url, settings: stale)
        #expect(Self.line(behind, "nats:auth") == DoctorCheck(name: "nats:auth", ok: false, required: true,
            detail: "\(address) trusts the operator of the NATS keys \(stalePath) but refuses the users of its account "
                + "(Authorization Violation): it has an older account JWT (a rotation it was not told of); run `flightdeck install --apply`"))

        // Told (what `install --apply` does): accepted.
        try await AccountUpdate.push(rotated, to: [NATSServerAddress(url: server.url)!])
        let told = await ClusterChecks.bus(url: server.url, settings: stale)
        #expect(Self.line(told, "nats:auth")?.ok == true, "\(told)")
    }

    @Test func credentialsFilesWarnBeforeTheyExpireAndFailAfter() async throws {
        let keys = BusKeys.generate()
        let server = try await Self.server(keys)
        let address = Self.address(server)
        let now = Date()

        let soon = keys.user(name: "ops", permissions: .operatorTools, expires: now.addingTimeInterval(2 * 86_400 + 600), now: now)
        let (soonSettings, soonPath) = try settings(server, credentials: soon, file: "soon.creds")
        let warned = await ClusterChecks.bus(url: server.url, settings: soonSettings, now: now)
        let user = "user \"ops\" \(soon.key.publicKey.prefix(12))…"
        #expect(Self.line(warned, "nats:credentials") == DoctorCheck(name: "nats:credentials", ok: false, required: false,
            detail: "\(soonPath): \(user) expires at \(RFC3339.string(from: soon.expires!)), in 2 days: "
                + "ask whoever holds the NATS keys for new credentials"))
        #expect(Self.line(warned, "nats:auth") == DoctorCheck(name: "nats:auth", ok: true, required: false,
            detail: "\(address): JWT mode; user \(soon.key.publicKey.prefix(12))… is accepted"))
        #expect(!DoctorReport(warned).failed)

        let later = keys.user(name: "ops", permissions: .operatorTools, expires: now.addingTimeInterval(20 * 86_400), now: now)
        let (laterSettings, laterPath) = try settings(server, credentials: later, file: "later.creds")
        #expect(Self.line(await ClusterChecks.bus(url: server.url, settings: laterSettings, now: now), "nats:credentials")
            == DoctorCheck(name: "nats:credentials", ok: true, required: false,
                detail: "\(laterPath): user \"ops\" \(later.key.publicKey.prefix(12))…, expires at \(RFC3339.string(from: later.expires!))"))

        let expired = keys.user(name: "ops", permissions: .operatorTools, expires: now.addingTimeInterval(-60),
            now: now.addingTimeInterval(-3600))
        let (expiredSettings, expiredPath) = try settings(server, credentials: expired, file: "expired.creds")
        let failed = await ClusterChecks.bus(url: server.url, settings: expiredSettings, now: now)
        #expect(Self.line(failed, "nats:credentials") == DoctorCheck(name: "nats:credentials", ok: false, required: true,
            detail: "\(expiredPath): user \"ops\" \(expired.key.publicKey.prefix(12))… expired at "
                + "\(RFC3339.string(from: expired.expires!)): ask whoever holds the NATS keys for new credentials"))
        #expect(Self.line(failed, "nats:auth") == DoctorCheck(name: "nats:auth", ok: false, required: false,
            detail: "\(address): JWT mode; not tried without usable credentials (see nats:credentials)"))
        #expect(DoctorReport(failed).failed)

        // Credentials of an account the server does not know.
        let foreign = BusKeys.generate().user(name: "ops", permissions: .operatorTools, expires: now.addingTimeInterval(20 * 86_400))
        let (foreignSettings, foreignPath) = try settings(server, credentials: foreign, file: "foreign.creds")
        #expect(Self.line(await ClusterChecks.bus(url: server.url, settings: foreignSettings), "nats:auth")
            == DoctorCheck(name: "nats:auth", ok: false, required: true,
                detail: "\(address) refuses the NATS credentials \(foreignPath) (Authorization Violation): "
                    + "their account is not one it trusts, or the user was revoked"))
    }

    @Test func filesOpenToOthersOrDamagedAreOneLineNamingThem() async throws {
        let keys = BusKeys.generate()
        let server = try await Self.server(keys)
        let (settings, path) = try settings(server, keys: keys)
        chmod(path, 0o644)
        let open = await ClusterChecks.bus(url: server.url, settings: settings)
        #expect(Self.line(open, "nats:credentials") == DoctorCheck(name: "nats:credentials", ok: false, required: true,
            detail: "the NATS keys \(path) is open to others (mode 644): run chmod 600 \(path)"))
        #expect(Self.line(open, "nats:auth")?.detail.hasSuffix("JWT mode; not tried without usable credentials (see nats:credentials)") == true)
        #expect(DoctorReport(open).failed)

        chmod(path, 0o600)
        try "{\"version\": 1, \"operator\": ".write(toFile: path, atomically: false, encoding: .utf8)
        let damaged = await ClusterChecks.bus(url: server.url, settings: settings)
        #expect(Self.line(damaged, "nats:credentials")?.detail == "the NATS keys \(path): not a JSON object", "\(damaged)")

        var credentials = ClusterSettings(natsURL: server.url)
        credentials.natsCredentialsPath = directory.file("none.creds")
        #expect(Self.line(await ClusterChecks.bus(url: server.url, settings: credentials), "nats:credentials")?.detail
            == "the NATS credentials \(directory.file("none.creds")): No such file or directory")

        // No credentials at all, for a server in JWT mode: the tools cannot connect.
        let none = await ClusterChecks.bus(url: server.url, settings: ClusterSettings(natsURL: server.url))
        #expect(Self.line(none, "nats:credentials")?.required == true)
        #expect(DoctorReport(none).failed)
    }

    @Test func aDeadPortOrNotNATSIsOneWarning() async throws {
        let port = try NATSServerProcess.freePort()
        let dead = await ClusterChecks.bus(url: "nats://127.0.0.1:\(port)", settings: ClusterSettings())
        #expect(dead == [DoctorCheck(name: "nats", ok: false, required: false,
            detail: "nats://127.0.0.1:\(port): cannot connect: Connection refused (the trace falls back to pod logs)")])

        // Something that speaks first, but not NATS.
        let listener = try TCPGreeter("SSH-2.0-OpenSSH_9.2\r\n")
        let other = await ClusterChecks.bus(url: "nats://127.0.0.1:\(listener.port)", settings: ClusterSettings())
        #expect(other == [DoctorCheck(name: "nats", ok: false, required: false,
            detail: "nats://127.0.0.1:\(listener.port): not a NATS server (it said \"SSH-2.0-OpenSSH_9.2\") (the trace falls back to pod logs)")])
        listener.stop()

        #expect(await ClusterChecks.bus(url: "http://x", settings: ClusterSettings())
            == [DoctorCheck(name: "nats", ok: false, required: false, detail: "not a NATS URL: http://x")])
    }

    @Test func longCheckNamesAreNotCut() {
        let report = DoctorReport([
            DoctorCheck(name: "nats", ok: true, required: false, detail: "a"),
            DoctorCheck(name: "nats:credentials", ok: false, required: true, detail: "b"),
        ])
        #expect(report.lines(ascii: true) == ["ok   nats             a", "FAIL nats:credentials b"])
    }
}

/// A loopback TCP server that greets each connection with `greeting` and closes it: a
/// service that is not NATS. Accepts on a thread of its own.
final class TCPGreeter: @unchecked Sendable {
    let port: Int
    private let fd: Int32

    init(_ greeting: String) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 4) == 0 else { throw CocoaError(.fileWriteUnknown) }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let listening = fd
        Thread {
            while true {
                let client = accept(listening, nil, nil)
                guard client >= 0 else { return }
                _ = Array(greeting.utf8).withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                close(client)
            }
        }.start()
    }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}
