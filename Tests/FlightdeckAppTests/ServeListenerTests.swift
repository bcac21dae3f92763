import FlightdeckApp
import FlightdeckTestSupport
import Foundation
import Testing

/// The pure parts of `flightdeck serve`: the SSE framing, the listen address, the token.
struct ServeListenerTests {
    @Test func anEventIsFramedSoThatNoLineBreakStartsAField() {
        let event = ServerSentEvent(id: "7\nid: 8", event: "record\r\nevent: done", data: "a\nb\r\nc\rd\n\nevent: done")
        #expect(String(decoding: event.encoded, as: UTF8.self)
            == "event: record\nid: 7\ndata: a\ndata: b\ndata: c\ndata: d\ndata: \ndata: event: done\n\n")
        let parsed = ServerSentEventParser.events(String(decoding: event.encoded, as: UTF8.self)).events
        #expect(parsed == [.init(event: "record", data: "a\nb\nc\nd\n\nevent: done", lastEventID: "7", id: "7")])
        #expect(String(decoding: ServerSentEvent.comment("beat\ndata: x"), as: UTF8.self) == ": beat\n\n")
        #expect(String(decoding: ServerSentEvent(data: "").encoded, as: UTF8.self) == "data: \n\n")
    }

    @Test func theListenAddressIsHostAndPort() throws {
        #expect(try ServeListener.address("127.0.0.1:8077") == ("127.0.0.1", 8077))
        #expect(try ServeListener.address(":9000") == ("127.0.0.1", 9000))
        #expect(try ServeListener.address("[::1]:80") == ("::1", 80))
        #expect(try ServeListener.address("0.0.0.0:0") == ("0.0.0.0", 0))
        for bad in ["8077", "host:", "host:99999", "::1:80", "[::1]80", "a:b"] {
            #expect(throws: OperatorError.self, "\(bad)") { try ServeListener.address(bad) }
        }
        #expect(ServeListener.isLoopback("127.0.0.1") && ServeListener.isLoopback("::1") && ServeListener.isLoopback("localhost"))
        #expect(!ServeListener.isLoopback("0.0.0.0") && !ServeListener.isLoopback("192.168.1.10") && !ServeListener.isLoopback("::"))
    }

    @Test func loopbackNeedsNoTokenUnlessOneIsGiven() throws {
        let directory = TemporaryDirectory("flightdeck-serve-token")
        let open = try ServeListener.make(listen: "127.0.0.1:0", tlsCertificate: nil, tlsKey: nil, tokenFile: nil,
            defaultTokenPath: directory.file("made-token"))
        #expect(open.token == nil && !FileManager.default.fileExists(atPath: directory.file("made-token")))
        let given = directory.file("token")
        #expect(throws: OperatorError.self) {  // a token file given must exist: it is not made
            try ServeListener.make(listen: "127.0.0.1:0", tlsCertificate: nil, tlsKey: nil, tokenFile: given,
                defaultTokenPath: directory.file("made-token"))
        }
        FileManager.default.createFile(atPath: given, contents: Data("s3cret-s3cret-s3cret\n".utf8),
            attributes: [.posixPermissions: 0o600])
        let guarded = try ServeListener.make(listen: "127.0.0.1:0", tlsCertificate: nil, tlsKey: nil, tokenFile: given,
            defaultTokenPath: directory.file("made-token"))
        #expect(guarded.token?.accepts("s3cret-s3cret-s3cret") == true)
        #expect(guarded.token?.accepts("s3cret-s3cret-s3cre") == false)
        #expect(guarded.token?.accepts("") == false)
        #expect(throws: OperatorError("--tls-cert and --tls-key go together")) {
            try ServeListener.make(listen: "127.0.0.1:0", tlsCertificate: given, tlsKey: nil, tokenFile: nil,
                defaultTokenPath: directory.file("made-token"))
        }
        #expect(throws: OperatorError("--tls-cert \(given): not a PEM file")) {
            try ServeListener.make(listen: "127.0.0.1:0", tlsCertificate: given, tlsKey: given, tokenFile: nil,
                defaultTokenPath: directory.file("made-token"))
        }
    }

    @Test func aTokenIsTakenFromTheHeaderElseTheQuery() {
        #expect(ServeToken.presented(authorization: "Bearer abc", query: [:]) == "abc")
        #expect(ServeToken.presented(authorization: "bearer  abc ", query: [:]) == "abc")
        #expect(ServeToken.presented(authorization: "Basic abc", query: ["access_token": "x"]) == nil)
        #expect(ServeToken.presented(authorization: nil, query: ["access_token": "x"]) == "x")
        #expect(ServeToken.presented(authorization: nil, query: [:]) == nil)
    }
}
