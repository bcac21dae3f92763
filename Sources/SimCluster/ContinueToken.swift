import FlightdeckCore
import Foundation
import KubeModel

/// The `continue` token of a paginated list: the revision the first page was read at and
/// the key to resume after. Encoded like the apiserver's (URL-safe base64 of
/// `{"v":"meta.k8s.io/v1","rv":N,"start":"key\u0000"}`) so it is opaque to clients and the
/// next page reads the same snapshot.
struct ContinueToken: Sendable, Hashable {
    var revision: Int64
    /// The next page starts at the first key not less than this (the last key + NUL).
    var start: String

    var encoded: String {
        let json: JSONValue = ["v": "meta.k8s.io/v1", "rv": .integer(revision), "start": .string(start)]
        return Data(json.serialized.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    init(revision: Int64, start: String) {
        self.revision = revision
        self.start = start
    }

    /// Decodes a token; the error text follows the apiserver's `continue key is not valid`.
    init(decoding token: String) throws(Status) {
        var text = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text),
            let json = try? JSONParser().parse(Array(data)),
            json["v"]?.stringValue == "meta.k8s.io/v1",
            let revision = json["rv"]?.int64Value,
            let start = json["start"]?.stringValue
        else {
            throw Status.badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        }
        self.init(revision: revision, start: start)
    }
}
