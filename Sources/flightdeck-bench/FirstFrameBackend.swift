import CockpitUI
import Foundation
import Synchronization
import TerminalIO

/// A terminal backend that passes everything to the real one and notes when the screen
/// first showed a whole cockpit: the job list's title counting every job in history, the
/// selected job's trace at its last record (`#N/N`), and its lane on the timeline (`▶`).
/// How the start benchmark learns, from the screen itself, when a person could start work.
final class FirstFrameBackend: ForwardingBackend, @unchecked Sendable {
    private let expectedJobs: Int
    // The terminal thread's own.
    private var screen = ScreenMirror()
    private let times = Mutex<(firstDraw: Int64?, fullFrame: Int64?, draws: Int)>((nil, nil, 0))
    /// When each part first showed: the job count, the trace, the lane.
    private let parts = Mutex<[String: Int64]>([:])

    init(_ inner: any TerminalBackend, expectedJobs: Int) {
        self.expectedJobs = expectedJobs
        super.init(inner)
    }

    var firstDraw: Int64? { times.withLock { $0.firstDraw } }
    var fullFrame: Int64? { times.withLock { $0.fullFrame } }
    var draws: Int { times.withLock { $0.draws } }
    var partTimes: [String: Int64] { parts.withLock { $0 } }

    override func draw(_ runs: [FrameDiff.Run], clear: Bool) -> DrawOutcome {
        let outcome = super.draw(runs, clear: clear)
        let time = nowNanoseconds()
        screen.apply(runs, clear: clear, size: inner.size)
        let complete = times.withLock { $0.fullFrame == nil } && isComplete(at: time)
        times.withLock { times in
            times.draws += 1
            if times.firstDraw == nil { times.firstDraw = time }
            if complete, times.fullFrame == nil { times.fullFrame = time }
        }
        return outcome
    }

    private func isComplete(at time: Int64) -> Bool {
        var jobs = false, trace = false, lane = false
        for row in 0..<screen.height {
            let text = screen.text(row: row)
            if text.contains("─ Jobs \(expectedJobs) ") { jobs = true }
            if let range = text.range(of: "Trace:"), let hash = text[range.upperBound...].firstIndex(of: "#") {
                let numbers = text[text.index(after: hash)...].prefix { $0.isNumber || $0 == "/" }.split(separator: "/")
                if numbers.count == 2, numbers[0] == numbers[1], numbers[0] != "0" { trace = true }
            }
            if text.contains("▶") { lane = true }
        }
        parts.withLock { parts in
            for (name, shown) in [("jobs", jobs), ("trace", trace), ("lane", lane)] where shown && parts[name] == nil {
                parts[name] = time
            }
        }
        return jobs && trace && lane
    }
}
