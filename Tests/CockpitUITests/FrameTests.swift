@testable import CockpitUI
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Testing

/// Whole frames: layouts at several sizes, ASCII mode, and what the diff sends per frame.
@Suite struct FrameTests {
    /// Every pane with content, and an overlay when asked.
    static func busy(width: Int, height: Int, glyphs: GlyphSet = .unicode) -> Harness {
        var h = Harness(width: width, height: height, glyphs: glyphs)
        h.loadTrace("j6", seq: 801...1000)
        h.send(.timelineLoaded(jobID: "j6", spans: CockpitFixtures.spans(job: "j6"), markers: CockpitFixtures.markers(job: "j6")),
               .timelineLoaded(jobID: "j1", spans: CockpitFixtures.spans(job: "j1"), markers: CockpitFixtures.markers(job: "j1")),
               .workspaceListed(jobID: "j6", listing: WorkspaceListing(entries: CockpitFixtures.workspace,
                                                                      source: .events(asOf: CockpitFixtures.ago(600)),
                                                                      checkpoint: .init(size: 5_000, modified: CockpitFixtures.ago(60)))),
               .filePreviewLoaded(jobID: "j6", path: "README.md", text: "# アプリ 🚀\nfirst line\n", truncated: true),
               .contextInfo(context: "prod-東京", cluster: "k3s"),
               .connectionChanged(ConnectionStatus(api: .connected, nats: .reconnecting(retryAt: CockpitFixtures.now.addingTimeInterval(4)))),
               .capabilitiesLoaded(allowed: Set(JobIntentKind.allCases), readOnly: true))
        var record = CockpitFixtures.record(job: "j6", seq: 1001)
        record.text = "考えています… 🚀 émigré ñ"
        h.send(.traceAppended([record]))
        return h
    }

    @Test func at200x60AllFourPanesShow() throws {
        let grid = Self.busy(width: 200, height: 60).render()
        let text = grid.text
        for title in ["Jobs 7", "Trace: 日本語のタスク", "Timeline", "Files"] { #expect(text.contains(title), "\(title) missing") }
        #expect(grid.lines.count == 60)
        #expect(grid.lines.allSatisfy { DisplayWidth.of($0) == 200 })
    }

    @Test func at80x24JobsTraceAndOneOfTimelineAndFilesShow() throws {
        let grid = Self.busy(width: 80, height: 24).render()
        let text = grid.text
        #expect(text.contains("Jobs 7") && text.contains("Trace: 日本語のタスク") && text.contains("Timeline"))
        #expect(!text.contains("Files"))
        #expect(grid.lines.allSatisfy { DisplayWidth.of($0) == 80 })
    }

    @Test(arguments: [(0, 0), (1, 1), (5, 2), (11, 3), (12, 3), (20, 6), (30, 8), (59, 15), (60, 16), (139, 39), (140, 40), (300, 100)])
    func anySizeRendersWithoutCrashing(width: Int, height: Int) throws {
        var h = Self.busy(width: width, height: height)
        for overlay in [Key.character("?"), .escape, .character(":"), .escape, .character("n")] {
            h.press(overlay)
            let grid = h.render()
            #expect(grid.lines.count == height)
            #expect(grid.lines.allSatisfy { DisplayWidth.of($0) == width })
        }
        h.press(.escape)
        for _ in 0..<4 {
            h.press(.tab, .character("j"), .character("k"), .pageDown, .character("G"))
            _ = h.render()
        }
    }

    @Test func tinyTerminalsSaySo() throws {
        #expect(Self.busy(width: 1, height: 1).render().lines == ["!"])
        #expect(Self.busy(width: 30, height: 2).render().lines[0].hasPrefix("terminal too small"))
        #expect(Self.busy(width: 10, height: 10).render().lines[0].hasPrefix("too small"))
    }

    @Test(arguments: [(80, 24), (200, 60), (20, 6)])
    func asciiModeDrawsOnlyASCII(width: Int, height: Int) throws {
        var h = Self.busy(width: width, height: height, glyphs: .ascii)
        var grids = [h.render()]
        h.press(.character("?"))
        grids.append(h.render())
        h.press(.escape, .character("n"))
        grids.append(h.render())
        h.press(.escape)
        h.send(.capabilitiesLoaded(allowed: Set(JobIntentKind.allCases), readOnly: false))
        h.press(.character("d"))
        grids.append(h.render())
        h.press(.escape)
        for pane in PaneID.allCases {
            h.focus(pane)
            grids.append(h.render())
        }
        for grid in grids {
            for (y, line) in grid.lines.enumerated() {
                #expect(line.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 }, "row \(y): \(line)")
            }
        }
        if width == 200 {
            let text = grids[0].text
            #expect(text.contains("+-") && text.contains("|"))
            #expect(text.contains("??????? ? ?migr? ?"))  // agent text transliterated, one ? per character
            #expect(text.contains("STALE"))
        }
    }

    @Test func glyphSetsAreWhatTheyClaim() throws {
        let mirror = Mirror(reflecting: GlyphSet.ascii)
        for child in mirror.children {
            guard let glyph = child.value as? String else { continue }
            let ascii = glyph.unicodeScalars.allSatisfy { $0.isASCII }
            #expect(ascii, "\(child.label ?? "?") = \(glyph)")
        }
        for status in JobStatus.allCases {
            #expect(DisplayWidth.of(GlyphSet.unicode.status(status)) == 1)
            #expect(DisplayWidth.of(GlyphSet.ascii.status(status)) == 1)
        }
    }

    @Test func aNewTraceLineChangesOnlyAFewRowsOfTheFrame() throws {
        var h = Self.busy(width: 200, height: 60)
        h.send(.capabilitiesLoaded(allowed: Set(JobIntentKind.allCases), readOnly: false))
        let before = h.render()
        #expect(FrameDiff.runs(from: before, to: h.render()).isEmpty)
        h.send(.traceAppended([CockpitFixtures.record(job: "j6", seq: 1002)]))
        let after = h.render()
        let runs = FrameDiff.runs(from: before, to: after)
        #expect(!runs.isEmpty)
        // The trace scrolls and the timeline follows its cursor; the jobs, files and status bar stay.
        #expect(runs.allSatisfy { $0.x >= 90 && $0.y < 59 })
    }
}
