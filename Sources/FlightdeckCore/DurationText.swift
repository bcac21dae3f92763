import Foundation

/// Compact human durations for narrow columns: `42s`, `7m`, `3h12m`, `5d`.
public enum DurationText {
    public static func short(_ interval: TimeInterval) -> String {
        let seconds = max(0, Int(interval.rounded(.down)))
        switch seconds {
        case ..<60: return "\(seconds)s"
        case ..<3_600: return "\(seconds / 60)m"
        case ..<86_400:
            let minutes = (seconds % 3_600) / 60
            return minutes == 0 ? "\(seconds / 3_600)h" : "\(seconds / 3_600)h\(minutes)m"
        default: return "\(seconds / 86_400)d"
        }
    }

    /// The interval at which `short(interval)` next shows another text: the next whole
    /// second under a minute, the next whole minute under a day, the next day after.
    public static func nextChange(after interval: TimeInterval) -> TimeInterval {
        let seconds = max(0, interval.rounded(.down))
        let step: TimeInterval = seconds < 60 ? 1 : seconds < 86_400 ? 60 : 86_400
        return ((seconds / step).rounded(.down) + 1) * step
    }

    /// `1.2 KB`, `9.5 MB`: decimal units, one decimal below 10.
    public static func bytes(_ count: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(max(0, count))
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        if unit == 0 { return "\(Int(value)) B" }
        guard value < 10 else { return "\(Int(value.rounded())) \(units[unit])" }
        // One decimal, rounded half up, without `String(format:)` (the files pane shows dozens a frame).
        let tenths = Int((value * 10).rounded())
        return tenths >= 100 ? "10 \(units[unit])" : "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
