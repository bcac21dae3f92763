import FlightdeckCore

/// Text for a line-oriented terminal: sanitised, tabs and newlines flattened to spaces.
public enum TerminalText {
    public static func line(_ text: String) -> String {
        TerminalSanitizer.sanitize(text).replacingOccurrences(of: "\n", with: " ")
            .replacingOccurrences(of: "\t", with: " ")
    }
}
