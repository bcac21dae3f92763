@testable import CockpitUI
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Testing

/// A long history's job list: the first page before the rest, and changes taken row by row
/// instead of listing every job again — the same list, whatever the order they come in.
@Suite struct JobListUpdateTests {
    static func job(_ index: Int, minutesAgo: Double, status: JobStatus = .succeeded, phase: Phase? = .tactical) -> AgentJob {
        AgentJob(id: "j\(index)", name: "agent-\(index)", namespace: "agents",
                 createdAt: CockpitFixtures.now.addingTimeInterval(-minutesAgo * 60), status: status, phase: phase)
    }

    @Test func theFirstPageCountsEveryJobAndTheWholeListKeepsTheSelection() throws {
        let all = (0..<500).map { Self.job($0, minutesAgo: Double(500 - $0)) }  // j499 newest
        let newest = Array(all.reversed().prefix(200))
        var h = Harness(width: 120, height: 30, jobs: [])
        h.send(.jobsFirstPage(newest, total: 500))
        #expect(h.render().lines[0].contains("Jobs 500 by age-"))
        #expect(h.state.jobs.selectedID == "j499")
        #expect(h.effects.contains { if case .loadTraceTail("j499", _) = $0 { true } else { false } })
        h.press(.down, .down)
        h.send(.jobsListed(all))
        #expect(h.state.jobs.selectedID == "j497", "the selection stays where the operator put it")
        #expect(h.state.jobs.pendingTotal == nil)
        #expect(h.render().lines[0].contains("Jobs 500 by age-"))
        #expect(!h.effects.contains { if case .loadTraceTail = $0 { true } else { false } }, "the trace is not asked again")
        // Every job is reachable: the oldest, by the filter.
        h.press(.character("/"))
        h.type("agent-0")
        h.press(.enter)
        #expect(h.state.jobs.visible.map(\.id) == ["j0"])
    }

    @Test func aFilteredFirstPageShowsItsShareOfTheTotal() throws {
        var h = Harness(width: 120, height: 30, jobs: [])
        h.press(.character("f"), .character("f"))  // running only
        h.send(.jobsFirstPage([Self.job(1, minutesAgo: 1, status: .running), Self.job(2, minutesAgo: 2)], total: 9_000))
        #expect(h.render().lines[0].contains("Jobs 1/9000"))
    }

    /// Random changes (a phase, a status, a new job, one gone from history) under random
    /// sorts and filters: taking them row by row gives the list a full snapshot would.
    @Test func rowByRowChangesEqualAFullSnapshot() throws {
        var generator = SeededRandom(seed: 14)
        for _ in 0..<200 {
            var jobs = (0..<30).map { Self.job($0, minutesAgo: Double(Int.random(in: 0..<20, using: &generator))) }
            var h = Harness(width: 120, height: 30, jobs: jobs)
            for _ in 0..<Int.random(in: 0..<4, using: &generator) { h.press(.character("o")) }
            if Bool.random(using: &generator) { h.press(.character("O")) }
            for _ in 0..<Int.random(in: 0..<3, using: &generator) { h.press(.character("f")) }
            if Bool.random(using: &generator) {
                h.press(.character("/"))
                h.type("strat")
                h.press(.enter)
            }
            var ids = Set<String>()
            for _ in 0..<Int.random(in: 1...5, using: &generator) {
                let index = Int.random(in: 0..<jobs.count, using: &generator)
                ids.insert(jobs[index].id)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: jobs[index].phase = jobs[index].phase == .tactical ? .strategic : .tactical
                case 1: jobs[index].status = [.running, .failed, .succeeded, .pending].randomElement(using: &generator)!
                case 2:
                    let added = Self.job(100 + Int(generator.next() % 1_000), minutesAgo: 3)
                    if !jobs.contains(where: { $0.id == added.id }) { jobs.append(added) }
                    ids.insert(added.id)
                default: jobs.remove(at: index)
                }
            }
            let changed = jobs.filter { ids.contains($0.id) }
            var full = h
            h.send(.jobsUpdated(ids: ids, jobs: changed))
            full.send(.jobsListed(jobs))
            #expect(h.state.jobs.visible == full.state.jobs.visible)
            #expect(Set(h.state.jobs.all.map(\.id)) == Set(jobs.map(\.id)))
            #expect(h.state.jobs.selectedID == full.state.jobs.selectedID)
            #expect(h.render().lines == full.render().lines)
        }
    }
}
