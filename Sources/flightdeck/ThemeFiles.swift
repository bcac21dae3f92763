import CockpitUI
import Foundation

/// Where theme files are read from: the shipped `themes/` (next to the binary's package, or
/// `$FLIGHTDECK_THEMES`, or `/usr/share/flightdeck/themes`), then the user's
/// `$XDG_CONFIG_HOME/flightdeck/themes` (default `~/.config/...`), whose files win.
enum ThemeFiles {
    static func catalog(environment: [String: String]) -> ThemeCatalog {
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
        directories.append("/usr/share/flightdeck/themes")
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        directories.append(config + "/flightdeck/themes")
        var sources: [(name: String, yaml: String)] = []
        for directory in directories {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for file in files.sorted() where file.hasSuffix(".yaml") {
                let path = directory + "/" + file
                guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                    (attributes[.size] as? Int ?? 0) < 256 * 1024,
                    let text = try? String(contentsOfFile: path, encoding: .utf8)
                else { continue }
                sources.append((String(file.dropLast(5)), text))
            }
        }
        return ThemeCatalog(sources)
    }
}
