@testable import CockpitUI
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Testing

/// A frame drawn with the cache is the frame drawn without it, whatever happened in between,
/// and a tick that changes no visible text draws no pane.
@Suite struct FrameCacheTests {
    /// Random sessions: keys, clock ticks of random length (exact column boundaries too), live
    /// records, job changes, timeline and workspace answers, link changes, overlays, resizes.
    @Test(arguments: [(200, 60, UInt64(1)), (200, 60, UInt64(2)), (100, 30, UInt64(3)), (150, 45, UInt64(4))])
    func theCachedFrameIsTheFullFrame(width: Int, height: Int, seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var harness = Harness(width: width, height: height)
        var cache = FrameCache()
        var jobs = CockpitFixtures.jobs
        var seq: Int64 = 400
        var now = CockpitFixtures.now
        harness.loadTrace(seq: 1...seq)
        let keys: [Key] = [.character("j"), .character("k"), .character("g"), .character("G"), .tab, .character("w"),
                           .character("t"), .character("+"), .character("-"), .character("h"), .character("l"), .enter,
                           .character(" "), .character("?"), .escape, .character("o"), .character("z"), .up, .down]
        var drawnPanes = 0
        for step in 0..<700 {
            switch random.next() % 12 {
            case 0, 1, 2:
                harness.press(keys[Int(random.next() % UInt64(keys.count))])
            case 3, 4:
                // Whole seconds, half and whole columns at 5 s, and odd fractions.
                let choices: [TimeInterval] = [1, 1, 1, 2.5, 5, 0.25, 7.3, 60, 0.001]
                now = now.addingTimeInterval(choices[Int(random.next() % UInt64(choices.count))])
                harness.send(.ticked(now))
            case 5, 6:
                seq += 1
                if let job = harness.state.trace.jobID {
                    harness.send(.traceAppended([CockpitFixtures.record(job: job, seq: seq, start: now)]))
                }
            case 7:
                let index = Int(random.next() % UInt64(jobs.count))
                jobs[index].status = [.running, .pending, .succeeded, .failed][Int(random.next() % 4)]
                jobs[index].phase = random.next() % 2 == 0 ? .strategic : .tactical
                harness.send(.jobsListed(jobs))
            case 8:
                for id in harness.state.jobs.visible.prefix(6).map(\.id) {
                    harness.send(.timelineLoaded(jobID: id, spans: CockpitFixtures.spans(job: id), markers: CockpitFixtures.markers(job: id)))
                }
            case 9:
                if let job = harness.state.jobs.selectedID {
                    let source: WorkspaceListing.Source = random.next() % 2 == 0 ? .volume : .events(asOf: now.addingTimeInterval(-40))
                    harness.send(.workspaceListed(jobID: job, listing: WorkspaceListing(entries: CockpitFixtures.workspace, source: source,
                        checkpoint: .init(size: 1_000_000, modified: now.addingTimeInterval(-12)))))
                }
            case 10:
                let link: LinkState = random.next() % 2 == 0 ? .connected : .reconnecting(retryAt: now.addingTimeInterval(9))
                harness.send(.connectionChanged(ConnectionStatus(api: .connected, nats: link)))
            default:
                if random.next() % 8 == 0 {
                    let size = [(width, height), (width - 7, height - 3), (80, 24)][Int(random.next() % 3)]
                    harness.send(.terminal(.resized(width: size.0, height: size.1)))
                }
            }
            let state = harness.state
            // Before `nextTick`, a tick changes nothing: no effect, the same frame.
            let next = state.nextTick
            #expect(next <= state.now.addingTimeInterval(CockpitState.longestTickSeconds))
            if next > state.now {
                let fractions: [Double] = [0, 0.5, 0.999]
                let t = state.now.addingTimeInterval(next.timeIntervalSince(state.now) * fractions[Int(random.next() % 3)])
                var ticked = state
                let effects = Cockpit.update(&ticked, .ticked(t))
                guard effects.isEmpty, Cockpit.render(ticked, width: state.width, height: state.height)
                    == Cockpit.render(state, width: state.width, height: state.height)
                else {
                    let early = t.timeIntervalSince(state.now), due = next.timeIntervalSince(state.now)
                    Issue.record("step \(step): a tick \(early) s in, before the next one is due (\(due) s), changed something: \(effects)")
                    return
                }
            }
            let full = Cockpit.render(state, width: state.width, height: state.height)
            let cached = Cockpit.render(state, width: state.width, height: state.height, cache: &cache)
            drawnPanes += cache.drawn.count
            guard full == cached else {
                let row = Array(zip(full.lines, cached.lines)).firstIndex { $0 != $1 }
                Issue.record("step \(step): the cached frame differs\(row.map { " at row \($0): \n\(full.lines[$0])\n\(cached.lines[$0])" } ?? " in style")")
                return
            }
        }
        // Not a full frame every time: the cache kept panes.
        #expect(drawnPanes < 700 * 3)
    }

    @Test func aTickThatChangesNoTextDrawsNoPane() {
        var harness = Harness(width: 200, height: 60)
        harness.loadTrace(seq: 1...50)
        var cache = FrameCache()
        _ = Cockpit.render(harness.state, width: 200, height: 60, cache: &cache)
        #expect(cache.drawn.count == 4, "the first frame draws every pane")
        // The fixtures' jobs are minutes to hours old: a tenth of a second changes no age.
        harness.send(.ticked(CockpitFixtures.now.addingTimeInterval(0.1)))
        _ = Cockpit.render(harness.state, width: 200, height: 60, cache: &cache)
        #expect(cache.drawn.isEmpty)
        // A live record in the same timeline column as the last redraws the trace alone.
        harness.send(.traceAppended([CockpitFixtures.record(job: "j1", seq: 51, start: CockpitFixtures.ago(3_702))]))
        _ = Cockpit.render(harness.state, width: 200, height: 60, cache: &cache)
        #expect(cache.drawn == [.trace])
    }
}
