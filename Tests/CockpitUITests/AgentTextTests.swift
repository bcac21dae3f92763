@testable import CockpitUI
import Testing

@Suite struct AgentTextTests {
    @Test func controlsBecomeReplacementCharactersAndASCIIModeQuestionMarks() throws {
        #expect(AgentText.displayable("a\u{1B}b\u{7F}c\u{85}d\u{202E}e\tf\ng", ascii: false) == "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}e f g")
        #expect(AgentText.displayable("日本 🚀 é e\u{301}", ascii: true) == "?? ? ? ?")
        #expect(AgentText.displayable("plain ascii", ascii: true) == "plain ascii")
        #expect(AgentText.displayable("👨‍👩‍👧 ok", ascii: false) == "👨‍👩‍👧 ok")
        #expect(AgentText.transliterated("naïve 中") == "na?ve ?")
    }

    @Test func truncationAndWrappingCountColumns() throws {
        #expect(TextLayout.truncate("日本語テキスト", to: 7, ellipsis: "…") == "日本語…")
        #expect(TextLayout.truncate("short", to: 7, ellipsis: "…") == "short")
        #expect(TextLayout.truncate("abcdefgh", to: 4, ellipsis: "...") == "a...")
        #expect(TextLayout.wrap("the quick brown fox", width: 10) == ["the quick", "brown fox"])
        #expect(TextLayout.wrap("日本語日本語", width: 5) == ["日本", "語日", "本語"])
        #expect(TextLayout.wrap("abcdefghij", width: 4) == ["abcd", "efgh", "ij"])
    }
}
