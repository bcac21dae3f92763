import CockpitUI
import Foundation

/// Where the cockpit reads theme files from: the shipped `themes/` (`$FLIGHTDECK_THEMES`,
/// the package root's `themes/` next to a built binary, or `/usr/share/flightdeck/themes`,
/// where the Debian package puts them), then the user's `$XDG_CONFIG_HOME/flightdeck/themes`
/// (default `~/.config/...`), whose files win.
public enum ThemeFileCatalog {
    /// The installed location (the package puts the repository's themes/ there).
    public static let systemDirectory = "/usr/share/flightdeck/themes"

    /// Theme files at least this large are left out.
    public static let maxFileSize = 256 * 1024

    /// The directories searched, in order (later files win); they need not exist.
    /// `executablePath` finds a checkout's themes/ from a built binary
    /// (`.build/<triple>/<config>/flightdeck`).
    public static func directories(environment: [String: String], executablePath: String = CommandLine.arguments[0])
        -> [String]
    {
        var directories: [String] = []
        if let explicit = environment["FLIGHTDECK_THEMES"], !explicit.isEmpty { directories.append(explicit) }
        var url = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = url.appendingPathComponent("themes").path
            if FileManager.default.fileExists(atPath: candidate + "/dark.yaml") {
                directories.append(candidate)
                break
            }
            url.deleteLastPathComponent()
        }
        if !directories.contains(systemDirectory) { directories.append(systemDirectory) }
        directories.append(userDirectory(environment: environment))
        return directories
    }

    /// The user's theme directory: `$XDG_CONFIG_HOME/flightdeck/themes` when that is an
    /// absolute path, else `~/.config/flightdeck/themes`.
    public static func userDirectory(environment: [String: String]) -> String {
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        return config + "/flightdeck/themes"
    }

    /// The theme files of one directory, by name (`dark.yaml` → `dark`), sorted; unreadable,
    /// oversized or missing files and directories are left out.
    public static func files(in directory: String) -> [(name: String, yaml: String)] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.sorted().filter { $0.hasSuffix(".yaml") }.compactMap { file in
            let path = directory + "/" + file
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                (attributes[.size] as? Int ?? 0) < maxFileSize,
                let text = try? String(contentsOfFile: path, encoding: .utf8)
            else { return nil }
            return (String(file.dropLast(5)), text)
        }
    }

    /// Every theme the cockpit can switch to, later directories' files winning.
    public static func catalog(environment: [String: String], executablePath: String = CommandLine.arguments[0])
        -> ThemeCatalog
    {
        ThemeCatalog(directories(environment: environment, executablePath: executablePath).flatMap { files(in: $0) })
    }
}
