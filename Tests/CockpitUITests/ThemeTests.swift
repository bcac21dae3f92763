@testable import CockpitUI
import Foundation
import Testing

@Suite struct ThemeTests {
    static let themesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("themes")

    static func shipped(_ name: String) throws -> String {
        try String(contentsOf: themesDirectory.appendingPathComponent("\(name).yaml"), encoding: .utf8)
    }

    @Test(arguments: ["dark", "light", "high-contrast", "monochrome"])
    func everyShippedThemeParsesAndDefinesEverySlot(name: String) throws {
        let theme = try Theme.parse(yaml: try Self.shipped(name), name: name)
        #expect(theme.undefinedSlots.isEmpty, "\(name) leaves \(theme.undefinedSlots.map(\.key)) to base")
    }

    @Test func monochromeUsesAttributesOnly() throws {
        let theme = try Theme.parse(yaml: try Self.shipped("monochrome"), name: "monochrome")
        for slot in ThemeSlot.allCases {
            #expect(theme.style(slot).foreground == .terminalDefault && theme.style(slot).background == .terminalDefault)
        }
        #expect(theme.style(.jobListSelected).attributes.contains(.reverse))
    }

    @Test func theEmbeddedDefaultIsDarkYamlWordForWord() throws {
        #expect(DefaultTheme.yaml == (try Self.shipped("dark")))
        #expect(Theme.default.name == "dark")
        #expect(Theme.default.undefinedSlots.isEmpty)
        #expect(Theme.default.style(.traceError).foreground == .rgb(0xF7, 0x76, 0x8E))
    }

    @Test func slotKeysAreUniqueAndFollowTheDocumentedNames() throws {
        #expect(ThemeSlot.byKey.count == ThemeSlot.allCases.count)
        for key in ["jobList.selected", "jobList.status.running", "trace.thought", "trace.action", "trace.observation",
                    "trace.error", "trace.searchMatch", "timeline.strategic", "timeline.tactical",
                    "timeline.marker.checkpoint", "border.focused", "statusBar.readOnly", "dialog.danger"] {
            #expect(ThemeSlot.byKey[key] != nil, "missing slot \(key)")
        }
    }

    @Test func colourForms() throws {
        let theme = try Theme.parse(yaml: """
            palette:
              accent: "#102030"
            slots:
              base: { fg: default, bg: 17 }
              trace.error: { fg: accent, bg: "#ffffff", attrs: [bold, underline] }
              trace.thought: { fg: 255, attrs: italic }
            """, name: "t")
        #expect(theme.style(.base) == Style(foreground: .terminalDefault, background: .indexed(17)))
        #expect(theme.style(.traceError) == Style(foreground: .rgb(0x10, 0x20, 0x30), background: .rgb(255, 255, 255),
                                                  attributes: [.bold, .underline]))
        #expect(theme.style(.traceThought).attributes == [.italic])
        // A slot the file leaves out inherits base.
        #expect(theme.style(.jobListRow) == theme.style(.base))
        #expect(theme.undefinedSlots.contains(.jobListRow))
    }

    @Test func aliasesShareAStyleAndABillionLaughsIsRefused() throws {
        let theme = try Theme.parse(yaml: "slots:\n  base: { fg: 1 }\n  border: &b { fg: 2, attrs: bold }\n  dialog.danger: *b\n", name: "t")
        #expect(theme.style(.dialogDanger) == theme.style(.border))
        let laughs = "palette:\n  a: &a [x, x, x, x, x, x, x, x, x]\n"
            + (1...8).map { "  a\($0): &a\($0) [" + Array(repeating: "*a\($0 == 1 ? "" : String($0 - 1))", count: 9).joined(separator: ", ") + "]\n" }.joined()
            + "slots: {}\n"
        #expect(throws: ThemeError.self) { try Theme.parse(yaml: laughs, name: "laughs.yaml") }
        do {
            _ = try Theme.parse(yaml: laughs, name: "laughs.yaml")
        } catch {
            #expect(error.description.hasPrefix("laughs.yaml:7:"), "\(error)")
            #expect(error.description.contains("aliases repeat more than"), "\(error)")
        }
    }

    @Test func anUnknownSlotIsNamedWithItsLineAndColumn() throws {
        #expect(throws: ThemeError(file: "mine.yaml", line: 3, column: 3, problem: "unknown slot \"trace.eror\"")) {
            try Theme.parse(yaml: "slots:\n  base: { fg: default }\n  trace.eror: { fg: 1 }\n", name: "mine.yaml")
        }
    }

    @Test(arguments: [
        ("slots:\n  base: { fg: \"#12345\" }\n", "mine.yaml:2:15: bad colour \"#12345\" (expected #rrggbb)"),
        ("slots:\n  base: { fg: 300 }\n", "mine.yaml:2:15: bad colour 300 (an xterm index is 0-255)"),
        ("slots:\n  base: { fg: nope }\n", "mine.yaml:2:15: bad colour \"nope\" (not in the palette; use #rrggbb, 0-255 or default)"),
        ("slots:\n  base: { fg: 1, attrs: [blink] }\n", "mine.yaml:2:26: unknown attribute \"blink\" (bold, dim, italic, underline, reverse)"),
        ("slots:\n  base: { colour: 1 }\n", "mine.yaml:2:11: slots.base.colour is not a known field (known: attrs, bg, fg)"),
        ("pallete: {}\nslots: {}\n", "mine.yaml:1:1: pallete is not a known field (known: description, name, palette, slots)"),
        ("palette: {}\n", "mine.yaml:1:1: slots is missing"),
        ("slots:\n  base: { fg: [1] }\n", "mine.yaml:2:15: slots.base.fg should be a colour (#rrggbb, 0-255, default or a palette name), not a list"),
        ("", "mine.yaml: empty theme file"),
    ])
    func badThemesGiveOneLineNamingPositionAndProblem(yaml: String, message: String) {
        do {
            _ = try Theme.parse(yaml: yaml, name: "mine.yaml")
            Issue.record("parsed")
        } catch {
            #expect(error.description == message)
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func brokenYamlIsReportedOnOneLineWithAPosition() throws {
        do {
            _ = try Theme.parse(yaml: "slots:\n  base: { fg: 1\n  border: [\n", name: "broken.yaml")
            Issue.record("parsed")
        } catch {
            #expect(error.description.hasPrefix("broken.yaml:"))
            #expect(error.line != nil)
            #expect(error.description.contains("YAML"))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func catalogResolvesByNameLetsUserThemesWinAndFallsBackToTheDefault() throws {
        let user = "slots:\n  base: { fg: 2 }\n"
        let catalog = ThemeCatalog([("light", try Self.shipped("light")), ("light", user), ("broken", "slots: [")])
        #expect(catalog.names == ["dark", "light", "broken"])
        let light = try catalog.theme(named: "light").get()
        #expect(light.style(.base).foreground == .indexed(2))
        let (theme, error) = catalog.resolve("broken")
        #expect(theme == Theme.default)
        #expect(error?.file == "broken")
        let missing = catalog.resolve("nope")
        #expect(missing.theme == Theme.default)
        #expect(missing.error?.problem.contains("no such theme") == true)
        #expect(catalog.resolve("dark").error == nil)
    }

    @Test func mappingAThemeToMonochromeKeepsAttributesOnly() throws {
        let mapped = Theme.default.mapped(to: .monochrome)
        #expect(mapped.style(.jobListSelected) == Style(attributes: Theme.default.style(.jobListSelected).attributes))
        let ansi = Theme.default.mapped(to: .ansi16)
        for slot in ThemeSlot.allCases {
            if case .indexed(let index) = ansi.style(slot).foreground { #expect(index < 16) }
            if case .rgb = ansi.style(slot).foreground { Issue.record("\(slot.key) kept truecolour at 16 colours") }
        }
    }
}
