import CockpitUI
import Foundation
import TerminalIO

/// A terminal backend that passes everything to the real one (ncurses on the benchmark's
/// pty) and, after each draw, reads what the trace pane's title now shows — `#seq/total`,
/// the newest record on screen in follow mode — with the time it reached the terminal.
/// How the live benchmark learns when a record became visible, from the screen itself.
final class TitleWatchingBackend: ForwardingBackend, @unchecked Sendable {
    struct Shown {
        var nanoseconds: Int64
        var seq: Int64
    }

    // The terminal thread's own, read once it has stopped.
    private var screen = ScreenMirror()
    private var titleRow: Int?
    private(set) var shown: [Shown] = []
    private(set) var draws = 0

    override init(_ inner: any TerminalBackend) {
        super.init(inner)
        shown.reserveCapacity(100_000)
    }

    override func draw(_ runs: [FrameDiff.Run], clear: Bool) -> DrawOutcome {
        let outcome = super.draw(runs, clear: clear)
        let time = nowNanoseconds()
        draws += 1
        let size = inner.size
        if clear || screen.height != size.height { titleRow = nil }
        screen.apply(runs, clear: clear, size: size)
        if titleRow == nil { titleRow = (0..<screen.height).first { screen.text(row: $0).contains("Trace:") } }
        if let titleRow, let seq = Self.newestSeq(in: screen.text(row: titleRow)) {
            if shown.last?.seq != seq { shown.append(Shown(nanoseconds: time, seq: seq)) }
        }
        return outcome
    }

    /// The `N` of `#N/total` in a title.
    static func newestSeq(in title: String) -> Int64? {
        guard let hash = title.lastIndex(of: "#") else { return nil }
        let digits = title[title.index(after: hash)...].prefix { $0.isASCII && $0.isNumber }
        return Int64(digits)
    }
}
