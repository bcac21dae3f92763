import Foundation
import FlightdeckTestSupport
import Testing

@testable import FlightdeckCore

@Suite("ControlEvent")
struct ControlEventTests {
    private let received = Date(timeIntervalSince1970: 1_800_000_000)

    private func event(_ payload: String) -> ControlEvent? {
        ControlEvent.parse(payload, jobID: "job-1", receivedAt: received)?.event
    }

    // MARK: - Types

    @Test func phase() {
        #expect(event(#"{"type":"phase","phase":"TACTICAL"}"#) == .phase(.tactical))
        #expect(event(#"{"type":"PHASE","phase":"strategic"}"#) == .phase(.strategic))
        #expect(event(#"{"type":"phase","phase":"Reviewing"}"#) == .phase(Phase("Reviewing")))
        #expect(event(#"{"type":"phase"}"#) == .unknown(type: "phase"))
        #expect(event(#"{"type":"phase","phase":""}"#) == .unknown(type: "phase"))
    }

    @Test func checkpoint() {
        #expect(event(#"{"type":"checkpoint","path":"ckpt/7","step":7}"#) == .checkpoint(path: "ckpt/7", step: 7))
        #expect(event(#"{"type":"checkpoint","step":"8"}"#) == .checkpoint(path: nil, step: 8))
        #expect(event(#"{"type":"checkpoint"}"#) == .checkpoint(path: nil, step: nil))
    }

    @Test func heartbeat() {
        #expect(event(#"{"type":"heartbeat"}"#) == .heartbeat)
    }

    @Test func status() {
        #expect(
            event(#"{"type":"status","state":"done","summary":"all green"}"#)
                == .status(state: "done", summary: "all green"))
        #expect(event(#"{"type":"status","state":"failed"}"#) == .status(state: "failed", summary: nil))
        #expect(event(#"{"type":"status"}"#) == .unknown(type: "status"))
        #expect(event(#"{"type":"status","state":42}"#) == .unknown(type: "status"))
    }

    @Test func unknownTypes() {
        #expect(event(#"{"type":"reboot"}"#) == .unknown(type: "reboot"))
        #expect(event(#"{"kind":"phase"}"#) == .unknown(type: ""))
        #expect(event(#"{"type":7}"#) == .unknown(type: ""))
    }

    // MARK: - Files

    @Test func files() throws {
        let payload =
            #"{"type":"files","entries":["#
            + #"{"path":"src/main.py","kind":"file","size":123,"mtime":"2026-11-29T04:23:08Z"},"#
            + #"{"path":"/src/","kind":"dir"},"#
            + #"{"path":"./a//b/./c","kind":"symlink","size":"9","mtime":1795926188},"#
            + #"{"path":"weird","kind":"fifo","size":-5},"#
            + #"{"path":"../etc/passwd","kind":"file"},"#
            + #"{"path":"a/../../b"},"#
            + #"{"path":"/"},"#
            + #"{"path":""},"#
            + #"{"kind":"file"},"#
            + #"{"path":42},"#
            + #""not an object""#
            + "]}"
        let entries = try #require({ if case .files(let entries) = event(payload) { entries } else { nil } }())
        let reference = Date(timeIntervalSince1970: 1_795_926_188)
        #expect(
            entries == [
                WorkspaceEntry(path: "src/main.py", kind: .file, size: 123, modified: reference),
                WorkspaceEntry(path: "src", kind: .directory, size: 0),
                WorkspaceEntry(path: "a/b/c", kind: .symlink, size: 9, modified: reference),
                WorkspaceEntry(path: "weird", kind: .other, size: 0),
            ])
        #expect(event(#"{"type":"files","entries":[]}"#) == .files([]))
        #expect(event(#"{"type":"files"}"#) == .unknown(type: "files"))
    }

    @Test func normalizedPaths() {
        #expect(ControlEvent.normalizedPath("/workspace/x") == "workspace/x")
        #expect(ControlEvent.normalizedPath("a/./b//") == "a/b")
        #expect(ControlEvent.normalizedPath("..") == nil)
        #expect(ControlEvent.normalizedPath("a/..b") == "a/..b")
        #expect(ControlEvent.normalizedPath("///") == nil)
    }

    // MARK: - Safety and time

    @Test func stringsAreSanitisedAndRedacted() throws {
        let secret = "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGh"
        let payload = #"{"type":"status","state":"done\u001b[2J","summary":"key \#(secret)"}"#
        guard case .status(let state, let summary)? = event(payload) else {
            Issue.record("not a status")
            return
        }
        #expect(!state.contains("\u{1B}"))
        #expect(state.hasPrefix("done"))
        let cleanSummary = try #require(summary)
        #expect(!cleanSummary.contains("QrStUvWxYz0123456789"))
        #expect(cleanSummary.contains("[redacted]"))

        let files = event(#"{"type":"files","entries":[{"path":"evil\u001b]0;title\u0007.txt","kind":"file"}]}"#)
        guard case .files(let entries)? = files, let path = entries.first?.path else {
            Issue.record("no entry")
            return
        }
        #expect(!path.unicodeScalars.contains { $0.value < 0x20 })
    }

    @Test func timeComesFromTsOrReceipt() throws {
        let stamped = try #require(
            ControlEvent.parse(#"{"type":"heartbeat","ts":"2026-11-29T04:23:08Z"}"#, jobID: "j", receivedAt: received))
        #expect(stamped.time == Date(timeIntervalSince1970: 1_795_926_188))
        #expect(stamped.jobID == "j")
        #expect(stamped.event == .heartbeat)
        let unstamped = try #require(
            ControlEvent.parse(#"{"type":"heartbeat","ts":"soon"}"#, jobID: "j", receivedAt: received))
        #expect(unstamped.time == received)
    }

    @Test func nonObjectsAreNil() {
        for payload in ["", "heartbeat", "[1]", "42", #"{"type":"#, "null"] {
            #expect(ControlEvent.parse(payload, jobID: "j", receivedAt: received) == nil, "\(payload)")
        }
    }

    @Test func entryPointsAgree() {
        let payload = "\u{FEFF}" + #"{"type":"heartbeat"}"# + "\r\n"
        let bytes = Array(payload.utf8)
        let expected = ControlEventRecord(jobID: "j", time: received, event: .heartbeat)
        #expect(ControlEvent.parse(payload, jobID: "j", receivedAt: received) == expected)
        #expect(ControlEvent.parse(bytes, jobID: "j", receivedAt: received) == expected)
        #expect(ControlEvent.parse(Data(bytes), jobID: "j", receivedAt: received) == expected)
        #expect(bytes.withUnsafeBufferPointer { ControlEvent.parse($0, jobID: "j", receivedAt: received) } == expected)
    }

    @Test func randomPayloadsNeverCrash() {
        var rng = SeededRandom(seed: 0xE7E)
        let seed = Array(#"{"type":"files","entries":[{"path":"a/b","kind":"dir","size":1,"mtime":1}],"ts":1}"#.utf8)
        for _ in 0..<3000 {
            var bytes = seed
            for _ in 0..<Int.random(in: 1..<5, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if case .files(let entries)? = ControlEvent.parse(bytes, jobID: "j", receivedAt: received)?.event {
                for entry in entries {
                    #expect(!entry.path.hasPrefix("/"))
                    #expect(!entry.path.split(separator: "/").contains(".."))
                    #expect(entry.size >= 0)
                }
            }
        }
    }
}
