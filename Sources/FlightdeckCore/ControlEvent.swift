import Foundation

/// A control-plane event an agent publishes on `events.agent.<job>`: what it is doing, as
/// opposed to what it is thinking (the trace, `TraceLineParser`).
///
/// Payloads are one JSON object with a `type` (matched case-insensitively) and an optional
/// `ts` (RFC 3339 or epoch, as in the trace):
/// - `{"type":"phase","phase":"TACTICAL"}`
/// - `{"type":"checkpoint","path":"ckpt/7","step":7}`
/// - `{"type":"heartbeat"}`
/// - `{"type":"status","state":"done","summary":"..."}`
/// - `{"type":"files","entries":[{"path":"src/main.py","kind":"file","size":123,"mtime":...}]}`
///
/// Like trace lines they are hostile: every string is redacted, then sanitised, and cut
/// to `TraceLineParser.defaultMaxLineBytes`. An event of a known type that lacks what it
/// needs (a `phase` event without a phase) reads as `.unknown(type:)`, so consumers never
/// act on half an event.
public enum ControlEvent: Sendable, Hashable {
    case phase(Phase)
    case checkpoint(path: String?, step: Int64?)
    case heartbeat
    /// `state` is the agent's own word (`done`, `failed`, ...), sanitised, not interpreted.
    case status(state: String, summary: String?)
    /// Workspace entries with normalised relative paths; unsafe paths are dropped.
    case files([WorkspaceEntry])
    /// A type this version does not know (sanitised), or a known type with missing fields.
    case unknown(type: String)

    /// Payloads longer than this are not parsed (the trace's hard cap, 16 MiB).
    public static let maxPayloadBytes = TraceLineParser.defaultMaxLineBytes * TraceLineParser.parseLimitFactor

    // MARK: - Parsing

    /// Reads one event payload; `nil` when it is not a JSON object or is over `maxPayloadBytes`.
    /// The event's time is its `ts`, else `receivedAt`.
    public static func parse(
        _ payload: UnsafeBufferPointer<UInt8>, jobID: String, receivedAt: Date,
        redactor: SecretRedactor = SecretRedactor()
    ) -> ControlEventRecord? {
        let bytes = TraceLineParser.trimmingFraming(payload)
        guard bytes.count <= maxPayloadBytes, let object = try? JSONParser().parse(bytes), case .object = object
        else { return nil }
        let cleaner = TraceLineParser(redactor: redactor)
        let time = object["ts"]?.lenientDate ?? receivedAt
        return ControlEventRecord(jobID: jobID, time: time, event: event(from: object, cleaner: cleaner))
    }

    /// A payload as a byte array, read without copying.
    public static func parse(
        _ payload: [UInt8], jobID: String, receivedAt: Date, redactor: SecretRedactor = SecretRedactor()
    ) -> ControlEventRecord? {
        payload.withUnsafeBufferPointer { parse($0, jobID: jobID, receivedAt: receivedAt, redactor: redactor) }
    }

    /// A payload as text; its UTF-8 is read in place.
    public static func parse(
        _ payload: String, jobID: String, receivedAt: Date, redactor: SecretRedactor = SecretRedactor()
    ) -> ControlEventRecord? {
        var payload = payload
        return payload.withUTF8 { parse($0, jobID: jobID, receivedAt: receivedAt, redactor: redactor) }
    }

    /// Any byte collection (`Data`, a NATS payload); copied only when not contiguous.
    public static func parse(
        _ payload: some Collection<UInt8>, jobID: String, receivedAt: Date,
        redactor: SecretRedactor = SecretRedactor()
    ) -> ControlEventRecord? {
        payload.withContiguousStorageIfAvailable {
            parse($0, jobID: jobID, receivedAt: receivedAt, redactor: redactor)
        } ?? parse(Array(payload), jobID: jobID, receivedAt: receivedAt, redactor: redactor)
    }

    // MARK: - Event types

    private static func event(from object: JSONValue, cleaner: TraceLineParser) -> ControlEvent {
        var ignoredTruncation = false  // events have no field to report it in
        func clean(_ value: JSONValue?) -> String? {
            value?.stringValue.map { cleaner.clean($0, truncated: &ignoredTruncation) }
        }
        let type = clean(object["type"]) ?? ""
        switch type.lowercased() {
        case "phase":
            guard let text = object["phase"]?.stringValue,
                let phase = cleaner.phase(from: text, truncated: &ignoredTruncation)
            else { return .unknown(type: type) }
            return .phase(phase)
        case "checkpoint":
            return .checkpoint(path: clean(object["path"]), step: object["step"]?.lenientInteger)
        case "heartbeat":
            return .heartbeat
        case "status":
            guard let state = clean(object["state"]), !state.isEmpty else { return .unknown(type: type) }
            return .status(state: state, summary: clean(object["summary"]))
        case "files":
            guard let entries = object["entries"]?.arrayValue else { return .unknown(type: type) }
            return .files(entries.compactMap { workspaceEntry(from: $0, cleaner: cleaner) })
        default:
            return .unknown(type: type)
        }
    }

    /// One `files` entry, or `nil` when it has no usable path.
    private static func workspaceEntry(from value: JSONValue, cleaner: TraceLineParser) -> WorkspaceEntry? {
        guard let rawPath = value["path"]?.stringValue, let path = normalizedPath(rawPath) else { return nil }
        var ignoredTruncation = false
        let kind: WorkspaceEntry.Kind =
            switch value["kind"]?.stringValue?.lowercased() {
            case "file": .file
            case "dir", "directory": .directory
            case "symlink", "link": .symlink
            default: .other
            }
        return WorkspaceEntry(
            path: cleaner.clean(path, truncated: &ignoredTruncation),
            kind: kind,
            size: max(value["size"]?.lenientInteger ?? 0, 0),
            modified: value["mtime"]?.lenientDate
        )
    }

    /// `path` relative to the workspace root: leading `/`, empty and `.` components are
    /// dropped. `nil` for a path with a `..` component (it could point outside the
    /// workspace) or with nothing left.
    static func normalizedPath(_ path: String) -> String? {
        var components: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..": return nil
            default: components.append(component)
            }
        }
        return components.isEmpty ? nil : components.joined(separator: "/")
    }
}

/// A `ControlEvent` with the job it came from and when it happened.
public struct ControlEventRecord: Sendable, Hashable {
    /// The job whose `events.agent.<job>` subject carried the event (the caller's, as given).
    public var jobID: String
    /// The event's own `ts`, else when Flightdeck received it.
    public var time: Date
    public var event: ControlEvent

    public init(jobID: String, time: Date, event: ControlEvent) {
        self.jobID = jobID
        self.time = time
        self.event = event
    }
}
