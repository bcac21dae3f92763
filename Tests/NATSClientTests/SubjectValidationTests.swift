import NATSClient
import Testing

@Suite struct SubjectValidationTests {
    @Test func acceptsPlainSubjectsAndWildcardsWhereAllowed() {
        for subject in ["logs.agent.a1", "$JS.ACK.FLIGHTDECK_TRACE.c.1.2.3.4.5", "_INBOX.abc", "a", "cmd.agent.été"] {
            #expect(NATSConnection.isValidSubject(subject, wildcards: false), "\(subject)")
        }
        for subject in ["logs.agent.>", "logs.*.a", "*", ">", "*.*.>"] {
            #expect(NATSConnection.isValidSubject(subject, wildcards: true), "\(subject)")
            #expect(!NATSConnection.isValidSubject(subject, wildcards: false), "\(subject)")
        }
    }

    @Test func refusesEmptyTokensPartialWildcardsAndWhitespace() {
        let bad = ["", ".", "a.", ".a", "a..b", "a.>.b", "a*", "a.b*", "a.>b", "a b", "a\tb", "a\r\nPUB x 1", "a\u{7F}",
            "a\u{0}", "a\u{85}b", "a\u{A0}b", "a\u{2028}b", "a\u{3000}b", String(repeating: "a", count: 4097)]
        for subject in bad {
            #expect(!NATSConnection.isValidSubject(subject, wildcards: true), "\(subject.debugDescription)")
        }
        #expect(NATSConnection.isValidSubject(String(repeating: "a", count: 4096), wildcards: false))
    }
}
