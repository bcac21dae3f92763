import FlightdeckTestSupport
import Foundation
import Testing

@testable import NATSAuth

/// The operator's key file: written whole with mode 0600, refused in one line when looser,
/// damaged or someone else's kind of key.
@Suite struct BusKeyFileTests {
    @Test func roundTripsWithModeSixHundred() throws {
        let directory = TemporaryDirectory("flightdeck-keys")
        let path = directory.file("config/flightdeck/nats-keys.json")
        var keys = BusKeys.generate()
        keys.rotate()
        keys.revoke(user: NKey.generate(.user).publicKey)
        try BusKeyFile.write(keys, to: path)
        let read = try BusKeyFile.read(path)
        #expect(read.operatorKey.seed == keys.operatorKey.seed)
        #expect(read.signingKeys.map(\.key.seed) == keys.signingKeys.map(\.key.seed))
        #expect(Set(read.revocations.keys) == Set(keys.revocations.keys))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("config/flightdeck")) == ["nats-keys.json"],
            "no temporary file left behind")
    }

    @Test func aLooserFileIsRefusedNamingItAndTheFix() throws {
        let directory = TemporaryDirectory("flightdeck-keys")
        let path = directory.file("nats-keys.json")
        try BusKeyFile.write(BusKeys.generate(), to: path)
        chmod(path, 0o644)
        #expect {
            _ = try BusKeyFile.read(path)
        } throws: { error in
            "\(error)" == "the NATS keys \(path) is open to others (mode 644): run chmod 600 \(path)"
        }
    }

    @Test(arguments: [
        ("{not json", "not a JSON object"),
        (#"{"version":2}"#, "unknown version"),
        (#"{"version":1,"operator":"SOAAAA","account":"x","system":"x","signing_keys":[{"seed":"x"}]}"#, "signing_keys[0] is"),
    ])
    func aCorruptFileIsOneLineNamingIt(text: String, said: String) throws {
        let directory = TemporaryDirectory("flightdeck-keys")
        let path = directory.file("nats-keys.json")
        try SecretFile.write(text, to: path, what: "test")
        #expect {
            _ = try BusKeyFile.read(path)
        } throws: { error in
            "\(error)".hasPrefix("the NATS keys \(path): ") && "\(error)".contains(said) && !"\(error)".contains("\n")
        }
    }

    @Test func aForeignKeyIsRefused() throws {
        let directory = TemporaryDirectory("flightdeck-keys")
        let path = directory.file("nats-keys.json")
        let keys = BusKeys.generate()
        // A user seed where the operator's belongs (another tool's key pasted in).
        let text = BusKeyFile.format(keys).replacingOccurrences(of: keys.operatorKey.seed!, with: NKey.generate(.user).seed!)
        try SecretFile.write(text, to: path, what: "test")
        #expect {
            _ = try BusKeyFile.read(path)
        } throws: { error in
            "\(error)" == "the NATS keys \(path): operator is not an operator key"
        }
    }

    @Test func aMissingFileSaysSo() {
        #expect {
            _ = try BusKeyFile.read("/nonexistent/nats-keys.json")
        } throws: { error in
            "\(error)" == "the NATS keys /nonexistent/nats-keys.json: No such file or directory"
        }
    }

    @Test func aCredsFileOpenToOthersIsRefused() throws {
        let directory = TemporaryDirectory("flightdeck-keys")
        let path = directory.file("operator.creds")
        let credentials = BusKeys.generate().user(name: "op", permissions: .operatorTools, expires: Date().addingTimeInterval(60))
        try SecretFile.write(credentials.fileText, to: path, what: "test")
        #expect(try NATSCredentials.read(path) == credentials)
        chmod(path, 0o640)
        #expect {
            _ = try NATSCredentials.read(path)
        } throws: { error in
            "\(error)" == "the NATS credentials \(path) is open to others (mode 640): run chmod 600 \(path)"
        }
    }
}
