/// How a listing is printed: aligned columns for people, or one JSON object per line for scripts.
public enum ListFormat: String, CaseIterable, Sendable {
    case table
    case json
}
