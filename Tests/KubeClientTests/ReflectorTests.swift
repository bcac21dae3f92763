import FlightdeckCore
import FlightdeckTestSupport
import KubeModel
import Testing
@testable import KubeClient

@Suite struct ReflectorTests {
    static func pod(_ name: String, rv: Int, uid: String? = nil) -> JSONValue {
        ["metadata": ["name": .string(name), "namespace": "agents", "uid": .string(uid ?? "uid-\(name)"),
                      "resourceVersion": .string(String(rv))]]
    }

    static func event(_ type: WatchEventType, _ object: JSONValue) -> WatchEvent { WatchEvent(type: type, object: object) }

    @Test func listsThenWatchesFromTheListsVersion() {
        var reflector = Reflector()
        #expect(reflector.start().effects == [.list])
        let step = reflector.listed(items: [Self.pod("a", rv: 5), Self.pod("b", rv: 7)], resourceVersion: "9", now: 0, random: 0)
        #expect(step.effects == [.watch(from: "9")])
        #expect(step.deltas == [.added(Self.pod("a", rv: 5)), .added(Self.pod("b", rv: 7))])
        #expect(reflector.resourceVersion == "9")
    }

    @Test func eventsUpdateTheCacheAndNeverGoBackInTime() {
        var reflector = Reflector()
        _ = reflector.start()
        _ = reflector.listed(items: [Self.pod("a", rv: 5)], resourceVersion: "9", now: 0, random: 0)
        #expect(reflector.received(Self.event(.modified, Self.pod("a", rv: 10)), now: 1, random: 0).deltas == [.modified(Self.pod("a", rv: 10))])
        #expect(reflector.received(Self.event(.added, Self.pod("c", rv: 11)), now: 1, random: 0).deltas == [.added(Self.pod("c", rv: 11))])
        #expect(reflector.received(Self.event(.modified, Self.pod("a", rv: 8)), now: 1, random: 0).deltas.isEmpty, "older than seen")
        _ = reflector.received(WatchEvent(type: .bookmark, object: ["metadata": ["resourceVersion": "20"]]), now: 2, random: 0)
        #expect(reflector.resourceVersion == "20")
        #expect(reflector.received(Self.event(.deleted, Self.pod("c", rv: 21)), now: 3, random: 0).deltas == [.deleted(Self.pod("c", rv: 21))])
        #expect(reflector.objects.keys.sorted() == ["agents/a"])
    }

    @Test func goneRelistsAndDeliversWhatVanishedAsDeletions() {
        var reflector = Reflector()
        _ = reflector.start()
        _ = reflector.listed(items: [Self.pod("a", rv: 5), Self.pod("b", rv: 6)], resourceVersion: "9", now: 0, random: 0)
        let gone = WatchEvent.error(.expired(requested: "9", current: "50"))
        #expect(reflector.received(gone, now: 1, random: 0).effects == [.cancelWatch, .list])
        let relist = reflector.listed(
            items: [Self.pod("a", rv: 30), Self.pod("b", rv: 31, uid: "uid-b2"), Self.pod("c", rv: 40)],
            resourceVersion: "50", now: 2, random: 0)
        #expect(relist.deltas == [
            .modified(Self.pod("a", rv: 30)),
            .deleted(Self.pod("b", rv: 6)), .added(Self.pod("b", rv: 31, uid: "uid-b2")),
            .added(Self.pod("c", rv: 40)),
        ])
        let second = reflector.listed(items: [Self.pod("c", rv: 40)], resourceVersion: "60", now: 3, random: 0)
        #expect(second.deltas == [.deleted(Self.pod("a", rv: 30)), .deleted(Self.pod("b", rv: 31, uid: "uid-b2"))])
    }

    @Test func aDroppedStreamResumesAfterABackoffAndACleanEndAtOnce() {
        var reflector = Reflector()
        _ = reflector.start()
        _ = reflector.listed(items: [], resourceVersion: "9", now: 0, random: 0)
        #expect(reflector.watchEnded(failed: false, now: 300, random: 0).effects == [.watch(from: "9")])
        #expect(reflector.watchEnded(failed: true, now: 310, random: 0).effects.isEmpty)
        #expect(reflector.nextDeadline == 310.8)
        #expect(reflector.tick(now: 310.5).effects.isEmpty)
        #expect(reflector.tick(now: 310.8).effects == [.watch(from: "9")])
    }

    @Test func aSilentStreamIsReplaced() {
        var reflector = Reflector(silenceTimeout: 15)
        _ = reflector.start()
        _ = reflector.listed(items: [], resourceVersion: "9", now: 0, random: 0)
        _ = reflector.received(WatchEvent(type: .bookmark, object: ["metadata": ["resourceVersion": "12"]]), now: 10, random: 0)
        #expect(reflector.tick(now: 24).effects.isEmpty)
        #expect(reflector.nextDeadline == 25)
        #expect(reflector.tick(now: 25).effects == [.cancelWatch, .watch(from: "12")])
    }

    @Test func backoffDoublesToThirtySecondsAndResetsWhenHealthy() {
        var backoff = Backoff()
        let delays = (0..<8).map { backoff.delay(now: Double($0), random: 0) }
        #expect(delays == [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30, 30])
        #expect(backoff.delay(now: 200, random: 0) == 0.8, "two healthy minutes reset it")
        var jittered = Backoff()
        let first = jittered.delay(now: 0, random: 0.999)
        #expect(first > 0.8 && first < 1.2)
    }

    /// Consumers end in the same state whether or not connections dropped: one reflector sees
    /// every event; another loses its stream at random, resumes, and hits 410s after history
    /// compaction. Both consumers must equal the server's final state.
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func droppedConnectionsConvergeToTheSameState(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var server: [String: JSONValue] = [:]
        var history: [(rv: Int, event: WatchEvent)] = []
        var rv = 1
        let historyWindow = 12

        var steady = Reflector()
        var flaky = Reflector()
        var steadyView: [String: JSONValue] = [:]
        var flakyView: [String: JSONValue] = [:]
        func apply(_ deltas: [Reflector.Delta], to view: inout [String: JSONValue]) {
            for delta in deltas {
                switch delta {
                case let .added(object), let .modified(object): view[Reflector.key(object)] = object
                case let .deleted(object): view[Reflector.key(object)] = nil
                }
            }
        }
        func list() -> ([JSONValue], String) { (server.keys.sorted().map { server[$0]! }, String(rv)) }

        _ = steady.start()
        _ = flaky.start()
        let initial = list()
        apply(steady.listed(items: initial.0, resourceVersion: initial.1, now: 0, random: 0).deltas, to: &steadyView)
        apply(flaky.listed(items: initial.0, resourceVersion: initial.1, now: 0, random: 0).deltas, to: &flakyView)
        var flakyConnected = true
        var now = 0.0
        var relists = 0
        var resumes = 0

        for _ in 0..<600 {
            now += 1
            // The server changes something.
            rv += 1
            let name = "p\(random.next() % 12)"
            let event: WatchEvent
            if server[name] != nil, random.next() % 4 == 0 {
                var gone = server[name]!
                gone[path: ["metadata", "resourceVersion"]] = .string(String(rv))
                server[name] = nil
                event = WatchEvent(type: .deleted, object: gone)
            } else {
                let object = Self.pod(name, rv: rv, uid: "uid-\(name)-\(server[name] == nil ? rv : 0)")
                let type: WatchEventType = server[name] == nil ? .added : .modified
                let kept = server[name].map { old -> JSONValue in
                    var updated = old
                    updated[path: ["metadata", "resourceVersion"]] = .string(String(rv))
                    return updated
                } ?? object
                server[name] = kept
                event = WatchEvent(type: type, object: kept)
            }
            history.append((rv, event))
            if history.count > historyWindow { history.removeFirst() }

            apply(steady.received(event, now: now, random: 0).deltas, to: &steadyView)
            if flakyConnected {
                apply(flaky.received(event, now: now, random: 0).deltas, to: &flakyView)
                if random.next() % 15 == 0 {
                    flakyConnected = false
                    _ = flaky.watchEnded(failed: true, now: now, random: 0.5)
                }
            } else {
                for effect in flaky.tick(now: now).effects {
                    switch effect {
                    case let .watch(from: version):
                        let from = Int(version) ?? 0
                        if let oldest = history.first?.rv, from < oldest - 1 {
                            let step = flaky.received(.error(.expired(requested: version, current: String(rv))), now: now, random: 0)
                            #expect(step.effects == [.cancelWatch, .list])
                            relists += 1
                            let current = list()
                            apply(flaky.listed(items: current.0, resourceVersion: current.1, now: now, random: 0).deltas, to: &flakyView)
                        } else {
                            resumes += 1
                            for (eventVersion, missed) in history where eventVersion > from {
                                apply(flaky.received(missed, now: now, random: 0).deltas, to: &flakyView)
                            }
                        }
                        flakyConnected = true
                    case .list, .cancelWatch:
                        break
                    }
                }
            }
        }
        // Let the flaky one reconnect for good.
        for _ in 0..<100 where !flakyConnected {
            now += 5
            for case let .watch(from: version) in flaky.tick(now: now).effects {
                let from = Int(version) ?? 0
                if let oldest = history.first?.rv, from < oldest - 1 {
                    _ = flaky.received(.error(.expired(requested: version, current: String(rv))), now: now, random: 0)
                    let current = list()
                    apply(flaky.listed(items: current.0, resourceVersion: current.1, now: now, random: 0).deltas, to: &flakyView)
                } else {
                    for (eventVersion, missed) in history where eventVersion > from {
                        apply(flaky.received(missed, now: now, random: 0).deltas, to: &flakyView)
                    }
                }
                flakyConnected = true
            }
        }
        let expected = server.reduce(into: [String: JSONValue]()) { $0["agents/" + $1.key] = $1.value }
        #expect(flakyConnected)
        #expect(!expected.isEmpty)
        #expect(relists > 0 && resumes > 0, "both recovery paths ran: \(relists) relists, \(resumes) resumes")
        #expect(steadyView == expected)
        #expect(flakyView == expected)
        #expect(flaky.objects == expected)
    }
}
