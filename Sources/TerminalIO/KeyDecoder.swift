import CCurses
import CockpitUI

/// What `get_wch` returned: a character (`OK`) or a key code (`KEY_CODE_YES`).
public enum RawInput: Sendable, Hashable {
    case character(UInt32)
    case keyCode(Int32)
}

/// Turns ncurses input into the cockpit's `Key`s. Pure and table-tested, so the keymap never
/// depends on which terminal sent what: Enter arrives as `\r`, `\n` or `KEY_ENTER`,
/// Backspace as 127, 8 or `KEY_BACKSPACE`, depending on terminal and mode.
public enum KeyDecoder {
    /// The event for `input`, or nil for input the cockpit has no key for (Insert, mouse
    /// reports, stray control bytes). `size` is the size a `KEY_RESIZE` reports.
    public static func decode(_ input: RawInput, size: TerminalSize) -> TerminalEvent? {
        switch input {
        case let .character(value): return character(value).map(TerminalEvent.key)
        case let .keyCode(code):
            if code == CursesKeyCode.resize { return .resized(width: size.width, height: size.height) }
            return keyCode(code).map(TerminalEvent.key)
        }
    }

    static func character(_ value: UInt32) -> Key? {
        switch value {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26:
            return .ctrl(Character(Unicode.Scalar(UInt8(value) + 0x60)))
        case 0..<32, 0x80..<0xA0: return nil
        default:
            guard let scalar = Unicode.Scalar(value) else { return nil }
            return .character(Character(scalar))
        }
    }

    static func keyCode(_ code: Int32) -> Key? {
        switch code {
        case CursesKeyCode.up: return .up
        case CursesKeyCode.down: return .down
        case CursesKeyCode.left: return .left
        case CursesKeyCode.right: return .right
        case CursesKeyCode.pageUp: return .pageUp
        case CursesKeyCode.pageDown: return .pageDown
        case CursesKeyCode.home: return .home
        case CursesKeyCode.end: return .end
        case CursesKeyCode.backTab: return .backTab
        case CursesKeyCode.enter: return .enter
        case CursesKeyCode.backspace: return .backspace
        case CursesKeyCode.delete: return .delete
        case CursesKeyCode.function(1)...CursesKeyCode.function(63):
            return .function(Int(code - CursesKeyCode.function(0)))
        default: return nil
        }
    }
}

/// ncurses' key codes, named (they are macros in the header).
public enum CursesKeyCode {
    public static let up = Int32(KEY_UP)
    public static let down = Int32(KEY_DOWN)
    public static let left = Int32(KEY_LEFT)
    public static let right = Int32(KEY_RIGHT)
    public static let pageUp = Int32(KEY_PPAGE)
    public static let pageDown = Int32(KEY_NPAGE)
    public static let home = Int32(KEY_HOME)
    public static let end = Int32(KEY_END)
    public static let backTab = Int32(KEY_BTAB)
    public static let enter = Int32(KEY_ENTER)
    public static let backspace = Int32(KEY_BACKSPACE)
    public static let delete = Int32(KEY_DC)
    public static let insert = Int32(KEY_IC)
    public static let resize = Int32(CCurses_KEY_RESIZE())
    public static let mouse = Int32(CCurses_KEY_MOUSE())
    public static func function(_ n: Int32) -> Int32 { Int32(CCurses_KEY_F(n)) }
}
