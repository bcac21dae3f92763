/// What a trace record is. Unknown kinds from an agent are read as `.message`
/// (the original value is kept in the record's raw line).
public enum TraceKind: String, Sendable, Hashable, Codable, CaseIterable {
    case thought
    case action
    case observation
    case message
    case error
}
