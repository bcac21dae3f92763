import CockpitUI
import Foundation

/// Where theme files are read from: the shipped `themes/` (next to the binary's package, or
/// `$FLIGHTDECK_THEMES`, or `/usr/share/flightdeck/themes`, where the Debian package puts
/// them), then the user's `$XDG_CONFIG_HOME/flightdeck/themes` (default `~/.config/...`),
/// whose files win.
enum ThemeFiles {
    /// The installed location (script/package puts the repository's themes/ there).
    static let systemDirectory = "/usr/share/flightdeck/themes"

    /// The directories searched, in order (later files win); they need not exist.
    static func directories(environment: [String: String]) -> [String] {
        var directories: [String] = []
        if let explicit = environment["FLIGHTDECK_THEMES"], !explicit.isEmpty { directories.append(explicit) }
        // .build/<triple>/<config>/flightdeck → the package root's themes/.
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
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

    static func userDirectory(environment: [String: String]) -> String {
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        return config + "/flightdeck/themes"
    }

    /// The theme files of one directory, by name (`dark.yaml` → `dark`), sorted; unreadable,
    /// oversized or missing files and directories are left out.
    static func files(in directory: String) -> [(name: String, yaml: String)] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.sorted().filter { $0.hasSuffix(".yaml") }.compactMap { file in
            let path = directory + "/" + file
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                (attributes[.size] as? Int ?? 0) < 256 * 1024,
                let text = try? String(contentsOfFile: path, encoding: .utf8)
            else { return nil }
            return (String(file.dropLast(5)), text)
        }
    }

    static func catalog(environment: [String: String]) -> ThemeCatalog {
        ThemeCatalog(directories(environment: environment).flatMap { files(in: $0) })
    }
}
