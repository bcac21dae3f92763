import FlightdeckCore
import Foundation
import KubeModel
import Synchronization
import Testing
@testable import SimCluster

/// Watch semantics client-go's reflector relies on: list-then-watch from a revision,
/// replay, 410 on compaction, selector enter/leave, bookmarks, and never blocking writers.
@Suite struct APIStoreWatchTests {
    @Test func fromZeroStartsWithAddedThenLive() async throws {
        let store = makeStore()
        _ = try store.create(configMap("b"), type: .configMaps, namespace: "default")
        _ = try store.create(configMap("a"), type: .configMaps, namespace: "default")
        _ = try store.create(configMap("other"), type: .configMaps, namespace: "kube-system")
        let watch = try store.watch(type: .configMaps, namespace: "default", options: ListOptions(resourceVersion: "0"))
        _ = try store.patch(type: .configMaps, namespace: "default", name: "a", patch: ["data": ["k": "2"]])
        _ = try store.delete(type: .configMaps, namespace: "default", name: "b")
        let events = await collect(watch, count: 4)
        #expect(summary(events) == ["ADDED a@4", "ADDED b@3", "MODIFIED a@6", "DELETED b@7"])
        #expect(events[0].object["kind"] == "ConfigMap")
    }

    @Test func fromPastRevisionReplaysExactlyInOrder() async throws {
        let store = makeStore()
        let a = try store.create(configMap("a"), type: .configMaps, namespace: "default")
        _ = try store.create(configMap("b"), type: .configMaps, namespace: "default")
        _ = try store.create(job("j"), type: .jobs, namespace: "default")  // another type: not replayed
        _ = try store.patch(type: .configMaps, namespace: "default", name: "a", patch: ["data": ["k": "2"]])
        _ = try store.delete(type: .configMaps, namespace: "default", name: "b")
        let watch = try store.watch(type: .configMaps, options: ListOptions(resourceVersion: rv(a)))
        _ = try store.create(configMap("c"), type: .configMaps, namespace: "kube-system")
        let events = await collect(watch, count: 4)
        #expect(summary(events) == ["ADDED b@4", "MODIFIED a@6", "DELETED b@7", "ADDED c@8"])
        #expect(events[1].object[path: ["data", "k"]] == "2")
    }

    @Test func fromCompactedRevisionSendsExpiredAndEnds() async throws {
        let store = makeStore(historyLimit: 3)
        for index in 0..<6 { _ = try store.create(configMap("c\(index)"), type: .configMaps, namespace: "default") }
        // Revisions 1…8 written, history keeps 6…8: 5 is still watchable, 4 is not.
        #expect(store.compactedRevision == 5)
        let ok = try store.watch(type: .configMaps, options: ListOptions(resourceVersion: "5"))
        #expect(summary(await collect(ok, count: 3)) == ["ADDED c3@6", "ADDED c4@7", "ADDED c5@8"])

        let expired = try store.watch(type: .configMaps, options: ListOptions(resourceVersion: "4"))
        let events = await drain(expired)
        #expect(events.count == 1)
        #expect(events.first?.serialized == #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 4 (5)","reason":"Expired","code":410}}"#)

        store.compact()
        let forced = try store.watch(type: .configMaps, options: ListOptions(resourceVersion: "7"))
        #expect(await drain(forced).first?.status?.message == "too old resource version: 7 (8)")
    }

    @Test func aFullHistoryKeepsExactlyTheLastChangesAcrossManyWrites() async throws {
        // Past the point where the compacted prefix is physically removed (1,024 changes).
        let store = makeStore(historyLimit: 5)
        _ = try store.create(configMap("a"), type: .configMaps, namespace: "default")
        for index in 1...3000 {
            _ = try store.patch(type: .configMaps, namespace: "default", name: "a", patch: ["data": ["k": .string("\(index)")]])
            let revision = Int64(store.resourceVersion)!
            #expect(store.compactedRevision == max(0, revision - 5))
        }
        let last = Int64(store.resourceVersion)!
        let replay = try store.watch(type: .configMaps, options: ListOptions(resourceVersion: String(last - 5)))
        #expect(summary(await collect(replay, count: 5)).map { $0.hasPrefix("MODIFIED a@") } == Array(repeating: true, count: 5))
        let expired = try store.watch(type: .configMaps, options: ListOptions(resourceVersion: String(last - 6)))
        #expect(await drain(expired).first?.status?.code == 410)
    }

    @Test func selectorEnterAndLeave() async throws {
        let store = makeStore()
        let watch = try store.watch(type: .configMaps, namespace: "default",
            options: ListOptions(labelSelector: "app=x", resourceVersion: store.resourceVersion))
        _ = try store.create(configMap("a"), type: .configMaps, namespace: "default")  // outside: nothing
        _ = try store.patch(type: .configMaps, namespace: "default", name: "a",
            patch: ["metadata": ["labels": ["app": "x"]]])  // enters: ADDED
        _ = try store.patch(type: .configMaps, namespace: "default", name: "a", patch: ["data": ["k": "2"]])  // MODIFIED
        _ = try store.patch(type: .configMaps, namespace: "default", name: "a",
            patch: ["metadata": ["labels": ["app": "y"]]])  // leaves: DELETED
        _ = try store.delete(type: .configMaps, namespace: "default", name: "a")  // outside: nothing
        _ = try store.create(configMap("b", labels: ["app": "x"]), type: .configMaps, namespace: "default")
        let events = await collect(watch, count: 4)
        #expect(summary(events) == ["ADDED a@4", "MODIFIED a@5", "DELETED a@6", "ADDED b@8"])
        #expect(events[2].object[path: ["metadata", "labels", "app"]] == "y")
    }

    @Test func bookmarksCarryOnlyTheRevision() async throws {
        let store = makeStore()
        let with = try store.watch(type: .jobs, options: ListOptions(resourceVersion: "2", allowWatchBookmarks: true))
        let without = try store.watch(type: .jobs, options: ListOptions(resourceVersion: "2"))
        _ = try store.create(configMap("c"), type: .configMaps, namespace: "default")
        store.sendBookmarks()
        _ = try store.create(job("j"), type: .jobs, namespace: "default")
        let events = await collect(with, count: 2)
        #expect(events.first?.serialized == #"{"type":"BOOKMARK","object":{"kind":"Job","apiVersion":"batch/v1","metadata":{"resourceVersion":"3"}}}"#)
        #expect(events.last?.type == .added)
        #expect(summary(await collect(without, count: 1)) == ["ADDED j@4"])
    }

    @Test func bookmarkIntervalSendsPeriodically() async throws {
        let store = APIStore(configuration: APIStoreConfiguration(bookmarkInterval: .milliseconds(20), seed: 1))
        let watch = try store.watch(type: .pods, options: ListOptions(resourceVersion: "2", allowWatchBookmarks: true))
        let events = await collect(watch, count: 2)
        #expect(events.map(\.type) == [.bookmark, .bookmark])
        #expect(events[0].resourceVersion == "2")
    }

    /// The stream must end by itself; the time limit only guards against a hang (how soon it
    /// ends is not asserted: the machine may be busy).
    @Test(.timeLimit(.minutes(3))) func timeoutEndsTheStream() async throws {
        let store = makeStore()
        let watch = try store.watch(type: .pods, options: ListOptions(resourceVersion: "2", timeoutSeconds: 1))
        #expect(await drain(watch).isEmpty)
        #expect(store.watcherCount == 0)
    }

    @Test func cancelEndsTheStream() async throws {
        let store = makeStore()
        let watch = try store.watch(type: .pods)
        #expect(store.watcherCount == 1)
        watch.cancel()
        #expect(await drain(watch).isEmpty)
        #expect(store.watcherCount == 0)
    }

    @Test func slowWatcherIsClosedWithoutBlockingWriters() async throws {
        let store = makeStore(watchBufferSize: 5)
        let slow = try store.watch(type: .configMaps, options: ListOptions(resourceVersion: "2"))
        let fast = try store.watch(type: .configMaps, options: ListOptions(resourceVersion: "2"))
        let reader = Task { await drain(fast) }
        // Give the fast reader a moment to start waiting; writers never wait either way.
        try await Task.sleep(for: .milliseconds(50))
        for index in 0..<200 {
            _ = try store.create(configMap("c\(index)"), type: .configMaps, namespace: "default")
            if index % 4 == 3 { try await Task.sleep(for: .milliseconds(1)) }
        }
        #expect(store.resourceVersion == "202")
        // The slow watcher got what fit in its buffer, then its stream ended.
        let received = await drain(slow)
        #expect(received.count == 5)
        #expect(summary(received).first == "ADDED c0@3")
        fast.cancel()
        _ = await reader.value
        #expect(store.watcherCount == 0)
    }

    @Test func concurrentWritersAndWatchersSeeEveryEventOnceInOrder() async throws {
        let store = makeStore(historyLimit: 10_000, watchBufferSize: 10_000)
        let writers = 8
        let perWriter = 50
        let watchers = (0..<6).map { _ in try! store.watch(type: .configMaps, options: ListOptions(resourceVersion: "2")) }
        let total = writers * perWriter * 2  // each writer creates then updates
        let readers = watchers.map { watch in Task { await collect(watch, count: total) } }
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for index in 0..<perWriter {
                        let n = "w\(writer)-\(index)"
                        _ = try! store.create(configMap(n), type: .configMaps, namespace: "default")
                        _ = try! store.patch(type: .configMaps, namespace: "default", name: n, patch: ["data": ["k": "2"]])
                    }
                }
            }
        }
        #expect(store.resourceVersion == String(2 + total))
        let expected = (3...(2 + total)).map(String.init)
        for reader in readers {
            let events = await reader.value
            #expect(events.map(\.resourceVersion!) == expected)
            #expect(events.filter { $0.type == .added }.count == total / 2)
        }
        watchers.forEach { $0.cancel() }
    }
}
