import FlightdeckCore
import Foundation
import NATSClient

/// Pushes the account's JWT to a running server (revocations, rotated signing keys) as a
/// user of the system account: `$SYS.REQ.ACCOUNT.<account>.CLAIMS.UPDATE`. A server with a
/// full resolver keeps it on disk; the update also closes the connections of users it
/// revokes.
public enum AccountUpdate {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Sends `keys`' account JWT through `connection` (a system-account user's) and returns
    /// the server's message ("jwt updated"); throws the server's refusal.
    public static func push(_ keys: BusKeys, through connection: NATSConnection) async throws {
        let jwt = keys.accountJWT()
        let subject = "$SYS.REQ.ACCOUNT.\(keys.account.publicKey).CLAIMS.UPDATE"
        let reply = try await connection.request(subject, payload: Array(jwt.token.utf8), timeout: .seconds(5))
        let answer = try? JSONParser(maxDepth: 8).parse(reply.payload)
        if let error = answer?["error"] {
            let said = error["description"]?.stringValue ?? error.serialized
            throw Failure(description: "the NATS server refused the account update: \(said)")
        }
        guard answer?["data"]?["code"]?.int64Value == 200 else {
            throw Failure(description: "the NATS server did not confirm the account update (it said: \(String(decoding: reply.payload.prefix(200), as: UTF8.self)))")
        }
    }

    /// Connects as a fresh system-account user to `servers`, pushes, and disconnects.
    public static func push(_ keys: BusKeys, to servers: [NATSServerAddress], now: Date = Date()) async throws {
        let system = keys.systemUser(now: now)
        let connection = NATSConnection(options: .init(servers: servers, credentials: system.proof,
            name: "flightdeck-account-update"))
        do {
            try await connection.connect(timeout: .seconds(10))
            try await push(keys, through: connection)
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
    }
}
