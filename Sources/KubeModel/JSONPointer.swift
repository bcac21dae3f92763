/// A JSON Pointer, RFC 6901: `""` is the whole document, `/a/b` the member `b` of the member
/// `a`, `/items/0` the first element of the array `items`. Inside a reference token `~1`
/// stands for `/` and `~0` for `~`, decoded in that order, so `/~01` names the member `~1`.
///
/// Read as kube-apiserver's JSON patch library reads pointers: a `~` followed by anything
/// but `0` or `1` stays a literal `~` (RFC 6901 calls it an error), and an array index is
/// any decimal integer Go's `strconv.Atoi` accepts — a sign, leading zeros and negative
/// values (counted from the end) included.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The reference tokens, unescaped; empty for the whole document.
    public var tokens: [String]

    public init(tokens: [String]) {
        self.tokens = tokens
    }

    /// Parses `text`; `nil` unless it is empty or starts with `/`.
    public init?(_ text: String) {
        if text.isEmpty {
            tokens = []
            return
        }
        guard text.hasPrefix("/") else { return nil }
        tokens = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(Self.unescape)
    }

    /// The pointer as text, each token escaped.
    public var description: String {
        tokens.map { "/" + Self.escape($0) }.joined()
    }

    /// Whether this is the whole document (`""`).
    public var isRoot: Bool { tokens.isEmpty }

    /// `~1` → `/`, then `~0` → `~`; any other `~` is kept.
    public static func unescape(_ token: some StringProtocol) -> String {
        var result = ""
        var iterator = token.makeIterator()
        var pending: Character?
        while let character = pending ?? iterator.next() {
            pending = nil
            guard character == "~" else {
                result.append(character)
                continue
            }
            switch iterator.next() {
            case "1": result.append("/")
            case "0": result.append("~")
            case let next?:
                result.append("~")
                pending = next
            case nil:
                result.append("~")
            }
        }
        return result
    }

    /// `~` → `~0`, `/` → `~1`.
    public static func escape(_ token: String) -> String {
        var result = ""
        for character in token {
            switch character {
            case "~": result += "~0"
            case "/": result += "~1"
            default: result.append(character)
            }
        }
        return result
    }

    /// `token` as an array index the way `strconv.Atoi` reads it: an optional sign, then one
    /// or more ASCII digits, within `Int`; `nil` otherwise.
    public static func integer(_ token: String) -> Int? {
        var digits = Substring(token)
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isWholeNumber }) else { return nil }
        if negative { return Int("-" + digits) }
        return Int(digits)
    }
}
