import FlightdeckCore
import Foundation

/// Where the bus keys live on the operator's machine, and their file format: one JSON object
/// of NKey seeds, mode 0600 (`SecretFile`), refused when looser.
///
///     {"version": 1, "operator": "SO…", "account": "SA…", "system": "SA…",
///      "signing_keys": [{"seed": "SA…", "created": "2026-12-04T19:00:00Z"}],
///      "revocations": {"U…": "2026-12-04T20:00:00Z"}, "updated": "2026-12-04T20:00:00Z"}
public enum BusKeyFile {
    /// `$XDG_CONFIG_HOME/flightdeck/nats-keys.json`, else `~/.config/flightdeck/nats-keys.json`.
    public static func defaultPath(environment: [String: String], home: String) -> String {
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? home + "/.config"
        return config + "/flightdeck/nats-keys.json"
    }

    public static func read(_ path: String) throws(SecretFile.Failure) -> BusKeys {
        let text = try SecretFile.read(path, what: "the NATS keys")
        do {
            return try parse(text)
        } catch {
            throw SecretFile.Failure("the NATS keys \(path): \(error)")
        }
    }

    public static func write(_ keys: BusKeys, to path: String) throws(SecretFile.Failure) {
        try SecretFile.write(format(keys), to: path, what: "the NATS keys")
    }

    struct Problem: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static func parse(_ text: String) throws -> BusKeys {
        guard let json = try? JSONParser(maxDepth: 8).parse(Array(text.utf8)), json.members != nil else {
            throw Problem("not a JSON object")
        }
        guard json["version"]?.int64Value == 1 else { throw Problem("unknown version (this Flightdeck reads version 1)") }
        func seed(_ value: JSONValue?, _ field: String) throws -> NKey {
            guard let text = value?.stringValue else { throw Problem("\(field) is missing") }
            do { return try NKey(seed: text, role: field == "operator" ? .operator_ : .account) } catch {
                throw Problem("\(field) is \(error)")
            }
        }
        let signing = try (json["signing_keys"]?.arrayValue ?? []).enumerated().map { index, entry in
            BusKeys.SigningKey(key: try seed(entry["seed"], "signing_keys[\(index)]"),
                created: entry["created"]?.stringValue.flatMap(RFC3339.date(from:)) ?? Date(timeIntervalSince1970: 0))
        }
        guard !signing.isEmpty else { throw Problem("signing_keys is empty") }
        var revocations: [String: Date] = [:]
        for member in json["revocations"]?.members ?? [] {
            guard (try? NKey(publicKey: member.key, role: .user)) != nil,
                let date = member.value.stringValue.flatMap(RFC3339.date(from:))
            else { throw Problem("revocation \(member.key.prefix(60)) is not a user key and a time") }
            revocations[member.key] = date
        }
        return BusKeys(operatorKey: try seed(json["operator"], "operator"), account: try seed(json["account"], "account"),
            signingKeys: signing, system: try seed(json["system"], "system"), revocations: revocations,
            updated: json["updated"]?.stringValue.flatMap(RFC3339.date(from:)) ?? signing.map(\.created).max()!)
    }

    static func format(_ keys: BusKeys) -> String {
        let json: JSONValue = .object([
            .init("version", 1),
            .init("operator", .string(keys.operatorKey.seed ?? "")),
            .init("account", .string(keys.account.seed ?? "")),
            .init("system", .string(keys.system.seed ?? "")),
            .init("signing_keys", .array(keys.signingKeys.map {
                ["seed": .string($0.key.seed ?? ""), "created": .string(RFC3339.string(from: $0.created))]
            })),
            .init("revocations", .object(keys.revocations.sorted { $0.key < $1.key }.map {
                .init($0.key, .string(RFC3339.string(from: $0.value)))
            })),
            .init("updated", .string(RFC3339.string(from: keys.updated))),
        ])
        return json.serialized + "\n"
    }
}

extension BusKeyFile {
    /// Reads, changes and writes the keys under an exclusive lock (`<path>.lock`, `flock`),
    /// so two commands revoking at once both count. Blocks: call off the cooperative pool.
    public static func update(_ path: String, _ change: (inout BusKeys) throws -> Void) throws -> BusKeys {
        let lockPath = path + ".lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SecretFile.Failure("the NATS keys: cannot open \(lockPath): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw SecretFile.Failure("the NATS keys: cannot lock \(lockPath): \(String(cString: strerror(errno)))")
            }
        }
        var keys = try read(path)
        try change(&keys)
        try write(keys, to: path)
        return keys
    }
}
