import CockpitUI
import FlightdeckCore
import FlightdeckTestSupport
import Foundation

/// The cockpit's frame cost: a full 200×60 frame with all four panes busy, rendered and
/// diffed against the previous frame, one new trace line per frame (the steady state of a
/// followed agent). Also the bytes the diff would make the backend write, estimated as one
/// cursor move per run, an SGR sequence per style change and the glyphs' UTF-8.
struct RenderBenchmark {
    let iterations: Int

    func run() {
        let (width, height) = (200, 60)
        var state = CockpitState(width: width, height: height, now: CockpitFixtures.now, timeZone: TimeZone(identifier: "UTC")!)
        func send(_ message: CockpitMessage) { _ = Cockpit.update(&state, message) }

        // Forty more jobs than the fixtures, so the list is full and scrolls.
        let extra = (1...40).map { index in
            AgentJob(id: "b\(index)", name: "batch-task-\(index)", namespace: "agents", createdAt: CockpitFixtures.ago(Double(20_000 + index * 60)),
                     startedAt: CockpitFixtures.ago(Double(19_000 + index * 60)), status: index % 9 == 0 ? .failed : .running,
                     retries: index % 3, backoffLimit: 3, node: "k3s-node-\(index % 4)",
                     pendingReason: index % 9 == 0 ? "BackoffLimitExceeded" : nil, phase: index % 2 == 0 ? .strategic : .tactical)
        }
        send(.jobsListed(CockpitFixtures.jobs + extra))
        send(.terminal(.key(.character("j"))))
        send(.terminal(.key(.character("j"))))
        send(.terminal(.key(.character("j"))))  // fix-login-bug: running, TACTICAL
        let job = state.jobs.selectedID!
        var seq: Int64 = 2_000
        send(.tracePageLoaded(jobID: job, records: CockpitFixtures.records(job: job, seq: 1...seq), total: seq))
        for id in state.jobs.visible.prefix(16).map(\.id) {
            send(.timelineLoaded(jobID: id, spans: CockpitFixtures.spans(job: id), markers: CockpitFixtures.markers(job: id)))
        }
        send(.workspaceListed(jobID: job, listing: WorkspaceListing(entries: CockpitFixtures.workspace + (1...30).map {
            WorkspaceEntry(path: "src/module_\($0).py", kind: .file, size: Int64($0 * 1_337), modified: CockpitFixtures.ago(Double($0 * 45)))
        }, source: .volume, checkpoint: .init(size: 3_400_000, modified: CockpitFixtures.ago(30)))))
        send(.filePreviewLoaded(jobID: job, path: "README.md",
                                text: (1...40).map { "line \($0) of the readme: how to run the tests" }.joined(separator: "\n"), truncated: false))
        // The lanes at 10 s a column, full across the width (the scale would otherwise fit the
        // selected job's run): set by hand from the timeline pane, then back to the job list.
        while state.focus != .timeline { send(.terminal(.key(.tab))) }
        while state.timeline.secondsPerColumn > 10 { send(.terminal(.key(.character("+")))) }
        while state.timeline.secondsPerColumn < 10 { send(.terminal(.key(.character("-")))) }
        while state.focus != .jobs { send(.terminal(.key(.tab))) }
        send(.contextInfo(context: "prod", cluster: "k3s-prod"))
        send(.connectionChanged(ConnectionStatus(api: .connected, nats: .reconnecting(retryAt: CockpitFixtures.now.addingTimeInterval(5)))))

        var cache = FrameCache()
        var previous = Cockpit.render(state, width: width, height: height, cache: &cache)
        let firstFrameBytes = Self.bytes(FrameDiff.runs(from: nil, to: previous))
        var updateTimes: [Double] = [], renderTimes: [Double] = [], diffTimes: [Double] = [], frameTimes: [Double] = []
        var bytes: [Double] = [], cpuFrameTimes: [Double] = []
        var fullFrameTimes: [Double] = [], fullCPUTimes: [Double] = []
        var panesDrawn = 0
        let total = iterations + iterations / 10
        for iteration in 0..<total {
            seq += 1
            let start = now()
            send(.traceAppended([CockpitFixtures.record(job: job, seq: seq)]))
            let updated = now()
            // The frame as the cockpit draws it: unchanged panes kept from the last frame.
            let cpuStart = Self.threadCPU()
            let grid = Cockpit.render(state, width: width, height: height, cache: &cache)
            let rendered = now()
            let runs = FrameDiff.runs(from: previous, to: grid)
            let diffed = now()
            let cpuEnd = Self.threadCPU()
            // The same frame drawn whole, side by side: what every frame cost before the cache.
            let fullStart = now()
            let fullCPUStart = Self.threadCPU()
            let full = Cockpit.render(state, width: width, height: height)
            _ = FrameDiff.runs(from: previous, to: full)
            let fullCPUEnd = Self.threadCPU()
            let fullEnd = now()
            precondition(full == grid, "the cached frame differs from the full one")
            previous = grid
            guard iteration >= iterations / 10 else { continue }  // warm-up
            fullFrameTimes.append(fullEnd - fullStart)
            fullCPUTimes.append(fullCPUEnd - fullCPUStart)
            panesDrawn += cache.drawn.count
            updateTimes.append(updated - start)
            renderTimes.append(rendered - updated)
            diffTimes.append(diffed - rendered)
            frameTimes.append(diffed - updated)
            cpuFrameTimes.append(cpuEnd - cpuStart)
            bytes.append(Double(Self.bytes(runs)))
        }
        func summary(_ name: String, _ values: [Double]) -> String {
            let sorted = values.sorted()
            return "\(name) median \(format(percentile(sorted, 0.5) * 1e6, 1)) us, p99 \(format(percentile(sorted, 0.99) * 1e6, 1)) us"
        }
        print("render 200x60, 4 panes, \(iterations) frames, one new trace line each (window \(state.trace.records.count) records):")
        print("  " + summary("render+diff", frameTimes) + "   (panes kept when unchanged; \(format(Double(panesDrawn) / Double(frameTimes.count), 2)) of 4 drawn per frame)")
        print("  " + summary("render+diff, thread CPU time", cpuFrameTimes) + "   (what other processes' load does not inflate)")
        print("  " + summary("full render+diff (every pane drawn)", fullFrameTimes) + "; thread CPU "
            + summary("", fullCPUTimes).trimmingCharacters(in: .whitespaces))
        print("  " + summary("render", renderTimes) + "; " + summary("diff", diffTimes))
        print("  " + summary("update (traceAppended)", updateTimes))
        let sortedBytes = bytes.sorted()
        print("  bytes per frame at steady state: median \(Int(percentile(sortedBytes, 0.5))), p99 \(Int(percentile(sortedBytes, 0.99)))"
            + " (first full frame \(firstFrameBytes))")
    }

    /// This thread's CPU seconds: a frame's cost without the time the scheduler gave others.
    static func threadCPU() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// What a backend writing the runs would send: `ESC[y;xH` per run, an SGR per style
    /// change (truecolour foreground and background plus attributes), the glyphs' UTF-8.
    static func bytes(_ runs: [FrameDiff.Run]) -> Int {
        var total = 0
        var current: Style?
        for run in runs {
            total += 4 + String(run.y + 1).utf8.count + String(run.x + 1).utf8.count
            for cell in run.cells where !cell.isContinuation {
                if cell.style != current {
                    total += sgrBytes(cell.style)
                    current = cell.style
                }
                total += cell.text.utf8.count
            }
        }
        return total
    }

    private static func sgrBytes(_ style: Style) -> Int {
        func colour(_ color: Color) -> Int {
            switch color {
            case .terminalDefault: 3
            case .indexed: 8
            case .rgb: 17
            }
        }
        return 4 + 2 * style.attributes.rawValue.nonzeroBitCount
            + colour(style.foreground) + colour(style.background)
    }
}
