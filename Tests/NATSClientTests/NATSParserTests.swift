import FlightdeckTestSupport
import Testing
@testable import NATSClient

@Suite struct NATSParserTests {
    static let stream = Array(("INFO {\"server_id\":\"x\",\"max_payload\":1048576}\r\n"
        + "+OK\r\nPING\r\nPONG\r\n"
        + "MSG logs.agent.a7 1 5\r\nhello\r\n"
        + "MSG logs.agent.a7 1 _INBOX.r 0\r\n\r\n"
        + "HMSG $JS.x 2 $JS.ACK.s.c.1.7.7.1700000000.0 18 23\r\nNATS/1.0\r\nK: v\r\n\r\nworld\r\n"
        + "HMSG _INBOX.p 3 28 28\r\nNATS/1.0 404 No Messages\r\n\r\n\r\n"
        + "-ERR 'Authorization Violation'\r\n").utf8)

    static let expected: [NATSFrame] = [
        .info("{\"server_id\":\"x\",\"max_payload\":1048576}"), .ok, .ping, .pong,
        .message(NATSMessage(subject: "logs.agent.a7", sid: "1", payload: Array("hello".utf8))),
        .message(NATSMessage(subject: "logs.agent.a7", sid: "1", replyTo: "_INBOX.r", payload: [])),
        .message(NATSMessage(subject: "$JS.x", sid: "2", replyTo: "$JS.ACK.s.c.1.7.7.1700000000.0",
            headers: NATSHeaders(fields: [("K", "v")]), payload: Array("world".utf8))),
        .message(NATSMessage(subject: "_INBOX.p", sid: "3",
            headers: NATSHeaders(statusCode: 404, statusDescription: "No Messages"), payload: [])),
        .error("Authorization Violation"),
    ]

    @Test func parsesEveryOperationInOnePush() throws {
        var parser = NATSParser()
        #expect(try parser.push(Self.stream) == Self.expected)
    }

    @Test func framesSplitAtEveryByteParseTheSame() throws {
        for split in 1..<Self.stream.count {
            var parser = NATSParser()
            let frames = try parser.push(Self.stream[..<split]) + parser.push(Self.stream[split...])
            #expect(frames == Self.expected, "split at \(split)")
        }
        var parser = NATSParser()
        var frames: [NATSFrame] = []
        for byte in Self.stream { frames += try parser.push([byte]) }
        #expect(frames == Self.expected)
    }

    @Test func payloadsMayHoldCRLFAndAnyBytes() throws {
        var payload = Array("line one\r\nMSG fake 1 3\r\nabc\r\n".utf8)
        payload += (0...255).map(UInt8.init)
        var parser = NATSParser()
        let frames = try parser.push(Array("MSG s 9 \(payload.count)\r\n".utf8) + payload + [13, 10])
        #expect(frames == [.message(NATSMessage(subject: "s", sid: "9", payload: payload))])
    }

    @Test func limitsAndMalformedFramesAreErrors() {
        var big = NATSParser(maxPayload: 10)
        #expect(throws: NATSParser.ProtocolError.self) { _ = try big.push(Array("MSG s 1 11\r\n".utf8)) }
        var long = NATSParser(maxControlLine: 64)
        #expect(throws: NATSParser.ProtocolError.self) { _ = try long.push(Array(repeating: UInt8(ascii: "A"), count: 100)) }
        for bad in ["MSG s\r\n", "MSG s 1 -3\r\n", "HMSG s 1 10 5\r\n", "WHAT\r\n", "MSG s 1 2\r\nabXY",
            "HMSG s 1 4 4\r\nXXXX\r\n"]
        {
            var parser = NATSParser()
            #expect(throws: NATSParser.ProtocolError.self, "\(bad)") { _ = try parser.push(Array(bad.utf8)) }
        }
    }

    @Test func randomGarbageNeverCrashes() {
        var random = SeededRandom(seed: 7)
        for _ in 0..<2000 {
            var parser = NATSParser(maxControlLine: 256, maxPayload: 512)
            let bytes = (0..<Int.random(in: 1...300, using: &random)).map { _ in
                // Mostly protocol-looking bytes, so the parser gets deep.
                Array("MSG HMSG PING +OK -ERR 0123456789 \r\n".utf8).randomElement(using: &random)!
            }
            _ = try? parser.push(bytes)
        }
    }
}
