import Foundation
import Testing

@testable import FlightdeckCore

@Suite("OperatorCommand")
struct OperatorCommandTests {
    @Test func payloads() {
        #expect(OperatorCommand.pause.payloadString == #"{"type":"pause"}"#)
        #expect(OperatorCommand.resume.payloadString == #"{"type":"resume"}"#)
        #expect(OperatorCommand.cancel.payloadString == #"{"type":"cancel"}"#)
        #expect(
            OperatorCommand.instruct("use \"pytest\"\nnot unittest").payloadString
                == #"{"type":"instruct","text":"use \"pytest\"\nnot unittest"}"#)
        #expect(OperatorCommand.pause.payload == Array(#"{"type":"pause"}"#.utf8))
    }

    @Test func payloadsRoundTripThroughTheParser() throws {
        let text = "tabs\t, quotes \", backslash \\, control \u{01}, emoji 😀, RTL \u{202E}"
        let value = try JSONParser().parse(OperatorCommand.instruct(text).payload)
        #expect(value["type"] == "instruct")
        #expect(value["text"]?.stringValue == text)
    }

    @Test func subjects() {
        #expect(OperatorCommand.subject(forJob: "job-42") == "cmd.agent.job-42")
        #expect(OperatorCommand.subject(.commands, forJob: "job-42") == "cmd.agent.job-42")
        #expect(OperatorCommand.subject(.logs, forJob: "job-42") == "logs.agent.job-42")
        #expect(OperatorCommand.subject(.events, forJob: "job-42") == "events.agent.job-42")
        #expect(OperatorCommand.subject(forJob: "Ünïcode_ok-1") == "cmd.agent.Ünïcode_ok-1")
    }

    @Test(arguments: [
        "", "a.b", "*", "a*", ">", "a>", "a b", "a\tb", "a\nb", "a\rb", "a\u{00}b", "a\u{1B}b", "a\u{7F}b",
        "a\u{85}b", "a\u{A0}b", "a\u{2028}b", "a\u{202E}b", "a\u{200B}b", "a\u{3000}b",
        String(repeating: "x", count: 254),
    ])
    func rejectedJobIDs(_ jobID: String) {
        #expect(!OperatorCommand.isValidJobID(jobID))
        for channel in OperatorCommand.Channel.allCases {
            #expect(OperatorCommand.subject(channel, forJob: jobID) == nil)
        }
    }

    @Test func longestAcceptedJobID() {
        #expect(OperatorCommand.isValidJobID(String(repeating: "x", count: OperatorCommand.maxJobIDBytes)))
    }
}
