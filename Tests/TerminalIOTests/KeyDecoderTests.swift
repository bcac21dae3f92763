import CockpitUI
import TerminalIO
import Testing

@Suite struct KeyDecoderTests {
    static let size = TerminalSize(width: 100, height: 30)

    static let table: [(RawInput, TerminalEvent?)] = [
        (.keyCode(CursesKeyCode.up), .key(.up)), (.keyCode(CursesKeyCode.down), .key(.down)),
        (.keyCode(CursesKeyCode.left), .key(.left)), (.keyCode(CursesKeyCode.right), .key(.right)),
        (.keyCode(CursesKeyCode.pageUp), .key(.pageUp)), (.keyCode(CursesKeyCode.pageDown), .key(.pageDown)),
        (.keyCode(CursesKeyCode.home), .key(.home)), (.keyCode(CursesKeyCode.end), .key(.end)),
        (.keyCode(CursesKeyCode.backTab), .key(.backTab)), (.keyCode(CursesKeyCode.delete), .key(.delete)),
        (.keyCode(CursesKeyCode.function(1)), .key(.function(1))), (.keyCode(CursesKeyCode.function(12)), .key(.function(12))),
        (.keyCode(CursesKeyCode.enter), .key(.enter)), (.character(13), .key(.enter)), (.character(10), .key(.enter)),
        (.keyCode(CursesKeyCode.backspace), .key(.backspace)), (.character(127), .key(.backspace)),
        (.character(8), .key(.backspace)),
        (.character(27), .key(.escape)), (.character(9), .key(.tab)),
        (.character(3), .key(.ctrl("c"))), (.character(1), .key(.ctrl("a"))), (.character(26), .key(.ctrl("z"))),
        (.character(0x61), .key(.character("a"))), (.character(0x20), .key(.character(" "))),
        (.character(0x65E5), .key(.character("日"))), (.character(0x1F680), .key(.character("🚀"))),
        (.character(0xE9), .key(.character("é"))),
        (.keyCode(CursesKeyCode.resize), .resized(width: 100, height: 30)),
        (.keyCode(CursesKeyCode.insert), nil), (.keyCode(CursesKeyCode.mouse), nil),
        (.character(0), nil), (.character(0x1C), nil), (.character(0x9B), nil), (.character(0xD800), nil),
    ]

    @Test func decodesTheTable() {
        for (input, expected) in Self.table {
            #expect(KeyDecoder.decode(input, size: Self.size) == expected, "\(input)")
        }
    }
}
