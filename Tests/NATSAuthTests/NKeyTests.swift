import Foundation
import Testing

@testable import NATSAuth

/// NKeys, JWTs and creds files, in pure code; the vectors come from the reference NKeys
/// implementation (Python's `nkeys`), for the seed bytes 0…31.
@Suite struct NKeyTests {
    static let seedBytes = "SUAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H776Y"

    @Test(arguments: [
        ("SUAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H776Y", "UAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLKK"),
        ("SAAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4HYMHI", "AAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3QPZV"),
        ("SOAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H2AJA", "OAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3QZVT"),
    ])
    func readsSeedsAsTheReferenceWritesThem(seed: String, publicKey: String) throws {
        let key = try NKey(seed: seed)
        #expect(key.publicKey == publicKey)
        #expect(key.seed == seed)
        #expect(try NKey(publicKey: publicKey) == key.publicOnly)
    }

    @Test func signsAsTheReferenceDoes() throws {
        let key = try NKey(seed: Self.seedBytes)
        let signature = try #require(key.sign(Array("nonce-123".utf8)))
        #expect(Base64URL.encode(signature)
            == "Kb2XR8zISj7OG5ul-xW0TPU9fjFJaoMQsCg462Sudxr_xIW_-1dpIOEb8GuRqiyhEew9LzQAjbRa8Aq15jZDAA")
        #expect(key.publicOnly.verify(signature, of: Array("nonce-123".utf8)))
        #expect(!key.publicOnly.verify(signature, of: Array("nonce-124".utf8)))
        #expect(key.publicOnly.sign(Array("x".utf8)) == nil, "a public key alone cannot sign")
    }

    @Test func generatedKeysRoundTrip() throws {
        for role in NKey.Role.allCases {
            let key = NKey.generate(role)
            let again = try NKey(seed: try #require(key.seed), role: role)
            #expect(again.publicKey == key.publicKey)
            #expect(key.publicKey.first == ["O", "A", "U"][NKey.Role.allCases.firstIndex(of: role)!])
        }
    }

    @Test func refusesDamagedAndForeignKeys() {
        var typo = Array(Self.seedBytes)
        typo[20] = typo[20] == "A" ? "B" : "A"
        #expect(throws: NKey.Problem.badChecksum) { try NKey(seed: String(typo)) }
        #expect(throws: NKey.Problem.notBase32) { try NKey(seed: "SUAAAA-not-base32") }
        #expect(throws: NKey.Problem.badChecksum) { try NKey(seed: String(Self.seedBytes.dropLast(8))) }
        #expect(throws: NKey.Problem.wrongRole(expected: "account")) { try NKey(seed: Self.seedBytes, role: .account) }
        #expect(throws: NKey.Problem.badLength, "a public key where a seed belongs") {
            try NKey(seed: "UAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLKK")
        }
        #expect(throws: NKey.Problem.badLength) { try NKey(publicKey: Self.seedBytes) }
    }

    @Test func jwtsVerifyAgainstTheirIssuerOnly() throws {
        let account = NKey.generate(.account)
        let user = NKey.generate(.user)
        let jwt = NATSJWT.sign(subject: user.publicKey, name: "u", nats: ["type": "user", "version": 2], issuer: account,
            issuedAt: Date(timeIntervalSince1970: 1_800_000_000), expires: Date(timeIntervalSince1970: 1_800_000_600))
        let read = try NATSJWT(token: jwt.token)
        #expect(read.subject == user.publicKey)
        #expect(read.issuer == account.publicKey)
        #expect(read.type == "user")
        #expect(read.expires == Date(timeIntervalSince1970: 1_800_000_600))
        #expect(read.claims["jti"]?.stringValue?.count == 52, "a base32 SHA-256 id")

        // Another key's signature over the same header and claims.
        let parts = jwt.token.split(separator: ".")
        let forged = parts[0] + "." + parts[1] + "." + Base64URL.encode(NKey.generate(.account).sign(Array("\(parts[0]).\(parts[1])".utf8))!)
        #expect(throws: NATSJWT.Problem.badSignature) { try NATSJWT(token: String(forged)) }
        // Claims changed after signing.
        let altered = Base64URL.encode(Array(read.claims.serialized.replacingOccurrences(of: "\"u\"", with: "\"v\"").utf8))
        #expect(throws: NATSJWT.Problem.badSignature) { try NATSJWT(token: "\(parts[0]).\(altered).\(parts[2])") }
        #expect(throws: (any Error).self) { try NATSJWT(token: "not.a-jwt") }
    }

    @Test func credsFilesRoundTripAndRefuseAMismatchedSeed() throws {
        let keys = BusKeys.generate()
        let credentials = try #require(keys.jobUser("agent-1", expires: Date().addingTimeInterval(600)))
        let read = try NATSCredentials(fileText: credentials.fileText)
        #expect(read == credentials)
        #expect(credentials.fileText.contains("-----BEGIN NATS USER JWT-----"))

        let other = NKey.generate(.user).seed!
        let swapped = credentials.fileText.replacingOccurrences(of: credentials.key.seed!, with: other)
        #expect(throws: NATSCredentials.Problem.mismatch) { try NATSCredentials(fileText: swapped) }
        #expect(throws: NATSCredentials.Problem.missing("user JWT")) { try NATSCredentials(fileText: "hello") }
    }

    @Test func jobCredentialsNameOnlyTheJobsSubjectsAndAreCapped() throws {
        let keys = BusKeys.generate()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let credentials = try #require(keys.jobUser("agent-7", expires: now.addingTimeInterval(400 * 86_400), now: now))
        let nats = try #require(credentials.jwt.claims["nats"])
        #expect(nats["pub"]?["allow"] == [
            "logs.agent.agent-7", "events.agent.agent-7", "$JS.API.CONSUMER.INFO.FLIGHTDECK_COMMANDS.cmd-agent-7",
            "$JS.API.CONSUMER.MSG.NEXT.FLIGHTDECK_COMMANDS.cmd-agent-7", "$JS.ACK.FLIGHTDECK_COMMANDS.cmd-agent-7.>",
        ])
        #expect(nats["sub"]?["allow"] == ["cmd.agent.agent-7", "_INBOX.agent-7.>"])
        #expect(nats["issuer_account"]?.stringValue == keys.account.publicKey)
        #expect(credentials.jwt.issuer == keys.currentSigningKey.publicKey)
        #expect(credentials.expires == now.addingTimeInterval(BusKeys.longestCredential), "capped at 30 days")
        #expect(keys.jobUser("a.b", expires: now) == nil)
        #expect(keys.jobUser("a*", expires: now) == nil)
    }

    @Test func rotationKeepsAFewSigningKeysAndRevocationsAreForgottenWhenTheyCoverNothing() {
        var keys = BusKeys.generate()
        let first = keys.currentSigningKey
        keys.rotate()
        #expect(keys.signingKeys.count == 2)
        #expect(keys.currentSigningKey != first)
        keys.rotate()
        keys.rotate()
        #expect(keys.signingKeys.count == BusKeys.signingKeysKept)
        #expect(!keys.signingKeys.contains { $0.key == first })

        let start = Date(timeIntervalSince1970: 1_800_000_000)
        keys.revoke(user: "U1", now: start)
        keys.revoke(user: "U2", now: start.addingTimeInterval(BusKeys.longestCredential + 1))
        #expect(Set(keys.revocations.keys) == ["U2"])
    }
}
