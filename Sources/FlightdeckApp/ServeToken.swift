import Crypto
import Foundation
import NATSAuth

/// The bearer token `flightdeck serve` asks of clients: 32 random bytes, hex, kept in the
/// operator's config directory with mode 0600 (refused when looser), made the first time it is
/// needed. Compared in constant time.
public struct ServeToken: Sendable {
    /// SHA-256 of the token: what requests are compared against, so the comparison's time
    /// depends on neither the token's length nor where a guess first differs.
    private let digest: [UInt8]

    public init(_ token: String) {
        digest = Array(SHA256.hash(data: Array(token.utf8)))
    }

    /// `$XDG_CONFIG_HOME/flightdeck/serve-token`, else `~/.config/flightdeck/serve-token`.
    public static func defaultPath(environment: [String: String], home: String) -> String {
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? home + "/.config"
        return config + "/flightdeck/serve-token"
    }

    /// The token in `path`, made there first when `create` and the file does not exist.
    /// Returns it with whether it was made now.
    public static func load(path: String, create: Bool) throws -> (token: String, created: Bool) {
        if create, !FileManager.default.fileExists(atPath: path) {
            var bytes = [UInt8](repeating: 0, count: 32)
            var generator = SystemRandomNumberGenerator()
            for index in bytes.indices { bytes[index] = UInt8.random(in: .min ... .max, using: &generator) }
            let token = bytes.map { String(format: "%02x", $0) }.joined()
            do { try SecretFile.write(token + "\n", to: path, what: "the serve token") } catch {
                throw OperatorError(error.description)
            }
            return (token, true)
        }
        let text: String
        do { text = try SecretFile.read(path, what: "the serve token") } catch { throw OperatorError(error.description) }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.count >= 16, !token.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw OperatorError("the serve token \(TerminalText.line(path)): expected one line of at least 16 characters")
        }
        return (token, false)
    }

    /// Whether `candidate` is the token, in time that does not depend on where it differs.
    public func accepts(_ candidate: String) -> Bool {
        let other = Array(SHA256.hash(data: Array(candidate.utf8)))
        var difference: UInt8 = 0
        for (a, b) in zip(digest, other) { difference |= a ^ b }
        return difference == 0
    }

    /// The token a request carries: `Authorization: Bearer …`, else `access_token` in the
    /// query (for browsers' EventSource, which cannot set headers).
    public static func presented(authorization: String?, query: [String: String]) -> String? {
        if let authorization {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return String(parts[1]).trimmingCharacters(in: .whitespaces)
            }
            return nil
        }
        return query["access_token"]
    }
}
