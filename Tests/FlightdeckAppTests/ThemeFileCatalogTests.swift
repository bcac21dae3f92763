import CockpitUI
import FlightdeckApp
import FlightdeckTestSupport
import Foundation
import Testing

/// Where the cockpit finds theme files, on real directories.
@Suite struct ThemeFileCatalogTests {
    let directory = TemporaryDirectory("flightdeck-themes")

    func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func theSearchOrderIsExplicitThenShippedThenTheUsers() throws {
        let root = directory.file("checkout")
        try write("base: {}\n", to: root + "/themes/dark.yaml")
        let binary = root + "/.build/x86_64-unknown-linux-gnu/debug/flightdeck"
        try write("", to: binary)
        let environment = ["FLIGHTDECK_THEMES": "/srv/themes", "XDG_CONFIG_HOME": "/cfg", "HOME": "/home/op"]
        #expect(ThemeFileCatalog.directories(environment: environment, executablePath: binary)
            == ["/srv/themes", root + "/themes", ThemeFileCatalog.systemDirectory, "/cfg/flightdeck/themes"])
        // No checkout around the binary, a relative XDG_CONFIG_HOME: the defaults.
        #expect(ThemeFileCatalog.directories(environment: ["XDG_CONFIG_HOME": "cfg", "HOME": "/home/op"],
            executablePath: directory.file("bin/flightdeck"))
            == [ThemeFileCatalog.systemDirectory, "/home/op/.config/flightdeck/themes"])
    }

    @Test func filesAreYAMLOfReasonableSizeSortedByName() throws {
        let themes = directory.file("themes")
        try write("base: {fg: white}\n", to: themes + "/zebra.yaml")
        try write("base: {}\n", to: themes + "/amber.yaml")
        try write("notes\n", to: themes + "/README.md")
        try write(String(repeating: "#", count: ThemeFileCatalog.maxFileSize), to: themes + "/huge.yaml")
        let files = ThemeFileCatalog.files(in: themes)
        #expect(files.map(\.name) == ["amber", "zebra"])
        #expect(files.last?.yaml == "base: {fg: white}\n")
        #expect(ThemeFileCatalog.files(in: directory.file("missing")).isEmpty)
    }

    @Test func theUsersFileWinsOverAShippedOneOfTheSameName() throws {
        let root = directory.file("checkout")
        try write("# shipped\n", to: root + "/themes/dark.yaml")
        try write("# shipped light\n", to: root + "/themes/light.yaml")
        try write("# mine\n", to: directory.file("xdg/flightdeck/themes/light.yaml"))
        let catalog = ThemeFileCatalog.catalog(environment: ["XDG_CONFIG_HOME": directory.file("xdg")],
            executablePath: root + "/.build/debug/flightdeck")
        #expect(catalog.sources["light"] == "# mine\n")
        if ThemeFileCatalog.files(in: ThemeFileCatalog.systemDirectory).isEmpty {
            #expect(catalog.sources["dark"] == "# shipped\n")
        }
    }
}
