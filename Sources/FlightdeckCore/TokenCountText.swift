import Foundation

/// Model tokens as people say them, for narrow columns: `950`, `12.5k`, `2M` (one decimal at
/// most, none when it is `.0`). Shared by `flightdeck jobs`, `flightdeck queue` and the cockpit.
public enum TokenCountText {
    public static func short(_ tokens: Int64) -> String {
        func short(_ value: Double, _ unit: String) -> String {
            let text = String(format: "%.1f", value)
            return (text.hasSuffix(".0") ? String(text.dropLast(2)) : text) + unit
        }
        let tokens = max(0, tokens)
        // 999,950 would round to "1000k".
        if tokens >= 999_950 { return short(Double(tokens) / 1_000_000, "M") }
        if tokens >= 1_000 { return short(Double(tokens) / 1_000, "k") }
        return String(tokens)
    }
}
