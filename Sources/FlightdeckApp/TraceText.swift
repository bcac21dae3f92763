import FlightdeckCore
import Foundation

/// A trace record as one line of text for `flightdeck logs`: time, phase, kind, then what
/// the kind says (tool and arguments, exit code and duration). Terminal-safe.
public enum TraceText {
    public static func line(_ record: TraceRecord) -> String {
        var parts = [clock(record.time), String((record.phase?.rawValue ?? "-").prefix(10)).padding(toLength: 10, withPad: " ", startingAt: 0),
            record.kind.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)]
        switch record.kind {
        case .action:
            var action = record.tool ?? "?"
            if let args = record.args { action += " " + args }
            if !record.text.isEmpty { action += "  " + record.text }
            parts.append(action)
        case .observation:
            var facts: [String] = []
            if let code = record.exitCode { facts.append("exit \(code)") }
            if let duration = record.durationMs { facts.append(Self.duration(milliseconds: duration)) }
            parts.append((facts.isEmpty ? "" : "[\(facts.joined(separator: ", "))] ") + record.text)
        default:
            parts.append(record.text)
        }
        return TerminalText.line(parts.joined(separator: " "))
    }

    /// `850ms`, `2.5s`, then minutes and hours as `DurationText` writes them.
    public static func duration(milliseconds: Int64) -> String {
        if milliseconds < 1_000 { return "\(max(0, milliseconds))ms" }
        if milliseconds < 60_000 { return String(format: "%.1fs", Double(milliseconds) / 1000) }
        return DurationText.short(Double(milliseconds) / 1000)
    }

    /// `HH:MM:SS.mmm` in UTC, the clock the cluster's timestamps use.
    public static func clock(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let day = ((millis % 86_400_000) + 86_400_000) % 86_400_000
        return String(format: "%02d:%02d:%02d.%03d", day / 3_600_000, day / 60_000 % 60, day / 1000 % 60, day % 1000)
    }
}
