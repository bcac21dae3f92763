import Foundation

/// Where the history database lives.
///
/// Resolution order: the `--history-db` flag, then `FLIGHTDECK_HISTORY_DB`, then
/// `$XDG_DATA_HOME/flightdeck/history.db`, then `~/.local/share/flightdeck/history.db`.
public enum HistoryLocation {
    public static let environmentVariable = "FLIGHTDECK_HISTORY_DB"

    public static func resolve(flag: String?, environment: [String: String]) -> String {
        if let flag, !flag.isEmpty { return expandTilde(flag, environment: environment) }
        if let path = environment[environmentVariable], !path.isEmpty {
            return expandTilde(path, environment: environment)
        }
        if let dataHome = environment["XDG_DATA_HOME"], dataHome.hasPrefix("/") {
            return dataHome + "/flightdeck/history.db"
        }
        return home(environment) + "/.local/share/flightdeck/history.db"
    }

    static func home(_ environment: [String: String]) -> String {
        if let home = environment["HOME"], !home.isEmpty { return home }
        return NSHomeDirectory()
    }

    static func expandTilde(_ path: String, environment: [String: String]) -> String {
        if path == "~" { return home(environment) }
        if path.hasPrefix("~/") { return home(environment) + path.dropFirst() }
        return path
    }
}
