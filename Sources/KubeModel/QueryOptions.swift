import FlightdeckCore
import Foundation

/// Query-string helpers: percent-encoding as Go's `url.QueryEscape` (space as `%20`, not `+`,
/// so a label selector `a in (x, y)` survives every decoder), decoding as
/// `url.ParseQuery` (`+` is a space).
public enum Query {
    /// One `key=value` pair; order is kept.
    public typealias Item = (name: String, value: String)

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    public static func percentEncode(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// Decodes `%XX` (and `+` as a space when `plusAsSpace`); `nil` for a malformed escape.
    public static func percentDecode(_ text: String, plusAsSpace: Bool = true) -> String? {
        guard text.contains("%") || (plusAsSpace && text.contains("+")) else { return text }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%") {
                guard iterator.count >= 2,
                    let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(value)
                iterator.removeFirst(2)
            } else if byte == UInt8(ascii: "+"), plusAsSpace {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `a=1&b=x%20y`.
    public static func encode(_ items: [Item]) -> String {
        items.map { percentEncode($0.name) + "=" + percentEncode($0.value) }.joined(separator: "&")
    }

    /// Splits and decodes a query string (a leading `?` is skipped; `a` alone is `a=`).
    public static func decode(_ query: String) throws(QueryError) -> [Item] {
        var text = Substring(query)
        if text.first == "?" { text = text.dropFirst() }
        var items: [Item] = []
        for part in text.split(separator: "&", omittingEmptySubsequences: true) {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecode(String(pair[0])),
                let value = percentDecode(pair.count > 1 ? String(pair[1]) : "")
            else { throw QueryError("invalid escape in query parameter \"\(part)\"") }
            items.append((name, value))
        }
        return items
    }
}

/// A query parameter that could not be read, with the apiserver's kind of wording.
public struct QueryError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Options that travel as a query string.
public protocol QueryOptions: Sendable, Hashable {
    /// The set parameters, in a stable order.
    var queryItems: [Query.Item] { get }
    /// Reads the parameters this type knows; others are ignored (as the apiserver does).
    init(queryItems: [Query.Item]) throws(QueryError)
}

extension QueryOptions {
    public var queryString: String { Query.encode(queryItems) }

    public init(query: String) throws(QueryError) {
        try self.init(queryItems: try Query.decode(query))
    }
}

/// Typed readers shared by the option types.
private struct ItemReader {
    var items: [Query.Item]
    /// The last value given for `name` (Go's `Get` takes the first; the apiserver's
    /// conversion takes the first too).
    func string(_ name: String) -> String? { items.first { $0.name == name }?.value }

    func bool(_ name: String) throws(QueryError) -> Bool? {
        guard let text = string(name) else { return nil }
        switch text.lowercased() {
        case "true", "1", "t": return true
        case "false", "0", "f", "": return text.isEmpty ? nil : false
        default: throw QueryError("\(name): invalid boolean \"\(text)\"")
        }
    }

    func int(_ name: String) throws(QueryError) -> Int64? {
        guard let text = string(name), !text.isEmpty else { return nil }
        guard let value = Int64(text) else { throw QueryError("\(name): invalid integer \"\(text)\"") }
        return value
    }
}

private func append(_ items: inout [Query.Item], _ name: String, _ value: String?) {
    if let value { items.append((name, value)) }
}

private func append(_ items: inout [Query.Item], _ name: String, _ value: Bool?) {
    if let value { items.append((name, value ? "true" : "false")) }
}

private func append(_ items: inout [Query.Item], _ name: String, _ value: Int64?) {
    if let value { items.append((name, String(value))) }
}

/// `metav1.ListOptions` (list and watch).
public struct ListOptions: QueryOptions {
    public var labelSelector: String?
    public var fieldSelector: String?
    public var limit: Int64?
    public var `continue`: String?
    public var resourceVersion: String?
    /// `Exact` or `NotOlderThan` (with `resourceVersion`).
    public var resourceVersionMatch: String?
    public var watch: Bool?
    public var allowWatchBookmarks: Bool?
    public var timeoutSeconds: Int64?
    /// `sendInitialEvents` (watch-list streaming, 1.27+).
    public var sendInitialEvents: Bool?

    public init(labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int64? = nil,
        continue token: String? = nil, resourceVersion: String? = nil, resourceVersionMatch: String? = nil,
        watch: Bool? = nil, allowWatchBookmarks: Bool? = nil, timeoutSeconds: Int64? = nil,
        sendInitialEvents: Bool? = nil)
    {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continue = token
        self.resourceVersion = resourceVersion
        self.resourceVersionMatch = resourceVersionMatch
        self.watch = watch
        self.allowWatchBookmarks = allowWatchBookmarks
        self.timeoutSeconds = timeoutSeconds
        self.sendInitialEvents = sendInitialEvents
    }

    public var queryItems: [Query.Item] {
        var items: [Query.Item] = []
        append(&items, "labelSelector", labelSelector)
        append(&items, "fieldSelector", fieldSelector)
        append(&items, "limit", limit)
        append(&items, "continue", self.continue)
        append(&items, "resourceVersion", resourceVersion)
        append(&items, "resourceVersionMatch", resourceVersionMatch)
        append(&items, "watch", watch)
        append(&items, "allowWatchBookmarks", allowWatchBookmarks)
        append(&items, "timeoutSeconds", timeoutSeconds)
        append(&items, "sendInitialEvents", sendInitialEvents)
        return items
    }

    public init(queryItems: [Query.Item]) throws(QueryError) {
        let reader = ItemReader(items: queryItems)
        self.init(
            labelSelector: reader.string("labelSelector"), fieldSelector: reader.string("fieldSelector"),
            limit: try reader.int("limit"), continue: reader.string("continue"),
            resourceVersion: reader.string("resourceVersion"),
            resourceVersionMatch: reader.string("resourceVersionMatch"), watch: try reader.bool("watch"),
            allowWatchBookmarks: try reader.bool("allowWatchBookmarks"),
            timeoutSeconds: try reader.int("timeoutSeconds"), sendInitialEvents: try reader.bool("sendInitialEvents"))
        if let match = resourceVersionMatch, !["Exact", "NotOlderThan", ""].contains(match) {
            throw QueryError("resourceVersionMatch: Unsupported value: \"\(match)\": supported values: \"Exact\", \"NotOlderThan\", \"\"")
        }
        if let limit, limit < 0 { throw QueryError("limit: Invalid value: \(limit): must be greater than or equal to 0") }
    }

    /// The parsed `labelSelector` (everything when absent).
    public func parsedLabelSelector() throws(LabelSelector.ParseError) -> LabelSelector {
        try LabelSelector(parsing: labelSelector ?? "")
    }

    /// The parsed `fieldSelector` (everything when absent).
    public func parsedFieldSelector() throws(FieldSelector.ParseError) -> FieldSelector {
        try FieldSelector(parsing: fieldSelector ?? "")
    }
}

/// `propagationPolicy` of a delete.
public struct PropagationPolicy: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let background: Self = "Background"
    public static let foreground: Self = "Foreground"
    public static let orphan: Self = "Orphan"
}

/// `metav1.DeleteOptions`, sent as query parameters (the apiserver also accepts them as a
/// JSON body; `jsonBody` builds that form).
public struct DeleteOptions: QueryOptions {
    public var propagationPolicy: PropagationPolicy?
    public var gracePeriodSeconds: Int64?
    /// `All` is the only value the API defines.
    public var dryRun: Bool

    public init(propagationPolicy: PropagationPolicy? = nil, gracePeriodSeconds: Int64? = nil, dryRun: Bool = false) {
        self.propagationPolicy = propagationPolicy
        self.gracePeriodSeconds = gracePeriodSeconds
        self.dryRun = dryRun
    }

    public var queryItems: [Query.Item] {
        var items: [Query.Item] = []
        append(&items, "propagationPolicy", propagationPolicy?.rawValue)
        append(&items, "gracePeriodSeconds", gracePeriodSeconds)
        if dryRun { items.append(("dryRun", "All")) }
        return items
    }

    public init(queryItems: [Query.Item]) throws(QueryError) {
        let reader = ItemReader(items: queryItems)
        let policy = reader.string("propagationPolicy").map(PropagationPolicy.init(rawValue:))
        if let policy, ![.background, .foreground, .orphan].contains(policy) {
            throw QueryError("propagationPolicy: Unsupported value: \"\(policy)\": supported values: \"Foreground\", \"Background\", \"Orphan\"")
        }
        let dryRun = reader.string("dryRun")
        if let dryRun, !["All", ""].contains(dryRun) {
            throw QueryError("dryRun: Unsupported value: \"\(dryRun)\": supported values: \"All\"")
        }
        self.init(propagationPolicy: policy, gracePeriodSeconds: try reader.int("gracePeriodSeconds"),
            dryRun: dryRun == "All")
    }

    /// The body form: `{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":…}`.
    public var jsonBody: JSONValue {
        var body: JSONValue = ["kind": "DeleteOptions", "apiVersion": "v1"]
        if let propagationPolicy { body.setMember("propagationPolicy", .string(propagationPolicy.rawValue)) }
        if let gracePeriodSeconds { body.setMember("gracePeriodSeconds", .integer(gracePeriodSeconds)) }
        if dryRun { body.setMember("dryRun", ["All"]) }
        return body
    }

    /// Reads the body form (fields absent from `body` stay unset).
    public init(jsonBody body: JSONValue) throws(QueryError) {
        var items: [Query.Item] = []
        if let policy = body["propagationPolicy"]?.stringValue { items.append(("propagationPolicy", policy)) }
        if let grace = body["gracePeriodSeconds"]?.int64Value { items.append(("gracePeriodSeconds", String(grace))) }
        if let dry = body["dryRun"]?.arrayValue?.first?.stringValue { items.append(("dryRun", dry)) }
        try self.init(queryItems: items)
    }
}

/// `v1.PodLogOptions` (`GET …/pods/{name}/log`).
public struct PodLogOptions: QueryOptions {
    public var container: String?
    public var follow: Bool?
    public var previous: Bool?
    /// RFC 3339; encoded with whole seconds as the apiserver parses it.
    public var sinceTime: Date?
    public var sinceSeconds: Int64?
    public var timestamps: Bool?
    public var tailLines: Int64?
    public var limitBytes: Int64?

    public init(container: String? = nil, follow: Bool? = nil, previous: Bool? = nil, sinceTime: Date? = nil,
        sinceSeconds: Int64? = nil, timestamps: Bool? = nil, tailLines: Int64? = nil, limitBytes: Int64? = nil)
    {
        self.container = container
        self.follow = follow
        self.previous = previous
        self.sinceTime = sinceTime
        self.sinceSeconds = sinceSeconds
        self.timestamps = timestamps
        self.tailLines = tailLines
        self.limitBytes = limitBytes
    }

    public var queryItems: [Query.Item] {
        var items: [Query.Item] = []
        append(&items, "container", container)
        append(&items, "follow", follow)
        append(&items, "previous", previous)
        append(&items, "sinceSeconds", sinceSeconds)
        append(&items, "sinceTime", sinceTime.map(KubeTime.string(from:)))
        append(&items, "timestamps", timestamps)
        append(&items, "tailLines", tailLines)
        append(&items, "limitBytes", limitBytes)
        return items
    }

    public init(queryItems: [Query.Item]) throws(QueryError) {
        let reader = ItemReader(items: queryItems)
        var sinceTime: Date?
        if let text = reader.string("sinceTime"), !text.isEmpty {
            guard let date = RFC3339.date(from: text) else {
                throw QueryError("sinceTime: invalid time \"\(text)\"")
            }
            sinceTime = date
        }
        self.init(container: reader.string("container"), follow: try reader.bool("follow"),
            previous: try reader.bool("previous"), sinceTime: sinceTime,
            sinceSeconds: try reader.int("sinceSeconds"), timestamps: try reader.bool("timestamps"),
            tailLines: try reader.int("tailLines"), limitBytes: try reader.int("limitBytes"))
        if sinceTime != nil, sinceSeconds != nil {
            throw QueryError("at most one of sinceTime or sinceSeconds may be specified")
        }
        if let sinceSeconds, sinceSeconds < 1 { throw QueryError("sinceSeconds: Invalid value: must be greater than 0") }
        if let tailLines, tailLines < 0 { throw QueryError("tailLines: Invalid value: must be greater than or equal to 0") }
        if let limitBytes, limitBytes < 1 { throw QueryError("limitBytes: Invalid value: must be greater than 0") }
    }
}
