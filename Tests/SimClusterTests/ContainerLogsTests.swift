import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeModel
import Synchronization
import Testing

@testable import SimCluster

/// A clock tests move by hand.
final class ManualClock: Sendable {
    private let now = Mutex(Date(timeIntervalSince1970: 1_780_000_000.5))
    var date: Date { now.withLock { $0 } }
    func advance(_ seconds: Double) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
    var function: @Sendable () -> Date { { self.date } }
}

func logPod(containers: [String] = ["agent"], initContainers: [String] = [], restartCount: Int = 0,
    annotations: [String: String] = [:]) -> JSONValue
{
    var pod = Pod()
    pod.metadata.name = "p"
    pod.metadata.namespace = "ns"
    pod.metadata.uid = "u1"
    if !annotations.isEmpty { pod.metadata.annotations = annotations }
    pod.spec.containers = containers.map { Container(name: $0, image: "img") }
    pod.spec.initContainers = initContainers.map { Container(name: $0, image: "img") }
    var status = ContainerStatus()
    status.name = containers.first
    status.restartCount = restartCount
    pod.status.containerStatuses = [status]
    return pod.json
}

func logError(_ logs: ContainerLogs, _ pod: JSONValue, _ options: PodLogOptions) -> Status? {
    do {
        _ = try logs.stream(for: pod, options: options)
        return nil
    } catch { return error }
}

@Suite("ContainerLogs", .timeLimit(.minutes(3)))
struct ContainerLogsTests {
    let directory = TemporaryDirectory("logs")
    let clock = ManualClock()
    var logs: ContainerLogs { ContainerLogs(directory: directory.path, clock: clock.function) }

    func write(_ logs: ContainerLogs, attempt: Int = 0, lines: [String], close: Bool = true) throws -> ContainerLogFile {
        let file = try logs.create(namespace: "ns", pod: "p", uid: "u1", container: "agent", attempt: attempt)
        for line in lines {
            file.append(line)
            clock.advance(1)
        }
        if close { logs.finish(file) }
        return file
    }

    @Test func storesCRILinesAndReadsThemBack() async throws {
        let logs = logs
        _ = try write(logs, lines: ["one", "two", "{\"kind\":\"thought\"}"])
        let onDisk = try String(contentsOfFile: directory.path + "/ns_p_u1/agent/0.log", encoding: .utf8)
        #expect(onDisk.hasPrefix("2026-05-28T20:26:40.500000000Z stdout F one\n"))
        #expect(onDisk.split(separator: "\n").count == 3)
        let stream = try logs.stream(for: logPod(), options: PodLogOptions())
        #expect(await stream.lines() == ["one", "two", "{\"kind\":\"thought\"}"])
        let stamped = try logs.stream(for: logPod(), options: PodLogOptions(timestamps: true))
        #expect(await stamped.lines() == [
            "2026-05-28T20:26:40.500000000Z one", "2026-05-28T20:26:41.500000000Z two",
            "2026-05-28T20:26:42.500000000Z {\"kind\":\"thought\"}",
        ])
    }

    @Test func multiLineTextBecomesSeveralLines() async throws {
        let logs = logs
        _ = try write(logs, lines: ["a\nb", ""])
        #expect(await (try logs.stream(for: logPod(), options: PodLogOptions())).lines() == ["a", "b", ""])
    }

    @Test func tailSinceAndLimit() async throws {
        let logs = logs
        _ = try write(logs, lines: (1...10).map { "line \($0)" })
        func read(_ options: PodLogOptions) async throws -> [String] {
            try await logs.stream(for: logPod(), options: options).lines()
        }
        #expect(try await read(PodLogOptions(tailLines: 3)) == ["line 8", "line 9", "line 10"])
        #expect(try await read(PodLogOptions(tailLines: 0)) == [])
        #expect(try await read(PodLogOptions(tailLines: 50)).count == 10)
        // Line n was written at start + (n - 1) s.
        let start = Date(timeIntervalSince1970: 1_780_000_000.5)
        #expect(try await read(PodLogOptions(sinceTime: start.addingTimeInterval(7))) == ["line 8", "line 9", "line 10"])
        #expect(try await read(PodLogOptions(sinceTime: start.addingTimeInterval(6.5))).first == "line 8")
        // The clock now reads start + 10 s: the last 3 seconds hold lines 8...10.
        #expect(try await read(PodLogOptions(sinceSeconds: 3)) == ["line 8", "line 9", "line 10"])
        #expect(try await read(PodLogOptions(sinceTime: start.addingTimeInterval(8), tailLines: 5)) == ["line 9", "line 10"])
        let limited = try await logs.stream(for: logPod(), options: PodLogOptions(limitBytes: 10)).text()
        #expect(limited == "line 1\nlin")
    }

    @Test func followDeliversEverythingAndEndsWhenTheContainerTerminates() async throws {
        let logs = logs
        let file = try write(logs, lines: ["before"], close: false)
        let stream = try logs.stream(for: logPod(), options: PodLogOptions(follow: true))
        let reading = Task { await stream.lines() }
        let tailing = Task { try await logs.stream(for: logPod(), options: PodLogOptions(follow: true, tailLines: 1)).lines() }
        for index in 1...500 { file.append("live \(index)") }
        logs.finish(file)
        let lines = await reading.value
        #expect(lines.count == 501)
        #expect(lines.first == "before")
        #expect(lines.last == "live 500")
        #expect(try await tailing.value.last == "live 500")
        // A follow of a finished container ends after its content.
        #expect(try await logs.stream(for: logPod(), options: PodLogOptions(follow: true)).lines().count == 501)
    }

    @Test func previousReadsTheEarlierInstance() async throws {
        let logs = logs
        _ = try write(logs, attempt: 0, lines: ["first run"])
        _ = try write(logs, attempt: 1, lines: ["second run"])
        #expect(try await logs.stream(for: logPod(restartCount: 1), options: PodLogOptions()).lines() == ["second run"])
        #expect(try await logs.stream(for: logPod(restartCount: 1), options: PodLogOptions(previous: true)).lines()
            == ["first run"])
        let error = logError(logs, logPod(restartCount: 0), PodLogOptions(previous: true))
        #expect(error?.code == 400)
        #expect(error?.message == "previous terminated container \"agent\" in pod \"p\" not found")
    }

    @Test func containerChoiceAndWaitingErrors() async throws {
        let logs = logs
        let two = logPod(containers: ["agent", "shipper"], initContainers: ["restore"])
        let ambiguous = logError(logs, two, PodLogOptions())
        #expect(ambiguous?.message
            == "a container name must be specified for pod p, choose one of: [agent shipper] or one of the init containers: [restore]")
        #expect(logError(logs, two, PodLogOptions(container: "nope"))?.message
            == "container nope is not valid for pod p")
        #expect(logError(logs, logPod(), PodLogOptions())?.message
            == "container \"agent\" in pod \"p\" is waiting to start: ContainerCreating")
        _ = try write(logs, lines: ["hi"])
        let annotated = logPod(containers: ["agent", "shipper"],
            annotations: ["kubectl.kubernetes.io/default-container": "agent"])
        #expect(try await logs.stream(for: annotated, options: PodLogOptions()).lines() == ["hi"])
        logs.removePod(namespace: "ns", pod: "p", uid: "u1")
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/ns_p_u1"))
    }

    @Test func largeLogsReadAcrossChunkBoundaries() async throws {
        let logs = logs
        let file = try logs.create(namespace: "ns", pod: "p", uid: "u1", container: "agent", attempt: 0)
        let count = 100_000
        for index in 0..<count { file.append("{\"seq\":\(index),\"text\":\"a line of agent output\"}") }
        // Half flushed, half still buffered: both are readable.
        let lines = try await logs.stream(for: logPod(), options: PodLogOptions()).lines()
        #expect(lines.count == count)
        #expect(lines.last == "{\"seq\":\(count - 1),\"text\":\"a line of agent output\"}")
        logs.finish(file)
        let tail = try await logs.stream(for: logPod(), options: PodLogOptions(tailLines: 40_000)).lines()
        #expect(tail.count == 40_000)
        #expect(tail.first == "{\"seq\":60000,\"text\":\"a line of agent output\"}")
    }
}
