import FlightdeckCore
import Foundation

/// A resource quantity (`500m`, `1Gi`, `5G`, `2`, `1.5`, `1e3`) as `resource.Quantity`
/// reads it: exact decimal value, original text kept.
///
/// Stored as an exact `Decimal`, so `1Gi` and `1073741824` compare equal and `0.1` is not a
/// binary approximation. Equality and ordering are by value; `text` keeps what was written
/// (a round trip never rewrites `1024Mi` as `1Gi`).
public struct Quantity: Sendable, Hashable, Comparable, CustomStringConvertible, JSONRepresentable,
    ExpressibleByStringLiteral
{
    /// The exact value in base units (cores, bytes).
    public let value: Decimal
    /// The text as written (or as formatted by the builders).
    public let text: String

    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var text: String
        public var description: String { "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': \"\(text)\"" }
    }

    private static let binarySuffixes: [(String, Int)] = [("Ki", 10), ("Mi", 20), ("Gi", 30), ("Ti", 40), ("Pi", 50), ("Ei", 60)]
    private static let decimalSuffixes: [(String, Int)] = [
        ("n", -9), ("u", -6), ("m", -3), ("", 0), ("k", 3), ("M", 6), ("G", 9), ("T", 12), ("P", 15), ("E", 18),
    ]

    public init(parsing text: String) throws(ParseError) {
        let trimmed = text
        var scalars = Substring(trimmed)
        var negative = false
        if scalars.first == "+" || scalars.first == "-" {
            negative = scalars.first == "-"
            scalars = scalars.dropFirst()
        }
        let numberEnd = scalars.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? scalars.endIndex
        let number = scalars[..<numberEnd]
        let suffix = String(scalars[numberEnd...])
        guard !number.isEmpty, number.filter({ $0 == "." }).count <= 1, number != ".",
            var value = Decimal(string: String(number), locale: Locale(identifier: "en_US_POSIX"))
        else { throw ParseError(text: text) }

        if let binary = Self.binarySuffixes.first(where: { $0.0 == suffix }) {
            value *= Decimal(sign: .plus, exponent: 0, significand: Decimal(1 << binary.1 as Int64))
        } else if let decimal = Self.decimalSuffixes.first(where: { $0.0 == suffix }) {
            value *= Decimal(sign: .plus, exponent: decimal.1, significand: 1)
        } else if let first = suffix.first, first == "e" || first == "E" {
            guard let exponent = Int(suffix.dropFirst()), abs(exponent) <= 60 else { throw ParseError(text: text) }
            value *= Decimal(sign: .plus, exponent: exponent, significand: 1)
        } else {
            throw ParseError(text: text)
        }
        self.value = negative ? -value : value
        self.text = text
    }

    public init(stringLiteral value: String) {
        do { try self.init(parsing: value) } catch { fatalError("invalid Quantity literal \"\(value)\"") }
    }

    private init(value: Decimal, text: String) {
        self.value = value
        self.text = text
    }

    public init?(jsonValue: JSONValue) {
        switch jsonValue {
        case .string(let text): try? self.init(parsing: text)
        // Quantities are strings on the wire, but a number is accepted (as the apiserver does).
        case .integer(let number): try? self.init(parsing: String(number))
        default: return nil
        }
    }

    public var jsonValue: JSONValue { .string(text) }
    public var description: String { text }

    public static func == (lhs: Quantity, rhs: Quantity) -> Bool { lhs.value == rhs.value }
    public static func < (lhs: Quantity, rhs: Quantity) -> Bool { lhs.value < rhs.value }
    public func hash(into hasher: inout Hasher) { hasher.combine(value) }

    /// The value rounded up to a whole unit (bytes; cores), as `Quantity.Value()`.
    public var int64Value: Int64 { Self.roundedUp(value) }
    /// The value in thousandths rounded up (millicores), as `Quantity.MilliValue()`.
    public var milliValue: Int64 { Self.roundedUp(value * 1000) }

    private static func roundedUp(_ value: Decimal) -> Int64 {
        var input = value
        var result = Decimal()
        NSDecimalRound(&result, &input, 0, .up)
        return NSDecimalNumber(decimal: result).int64Value
    }

    // MARK: Builders

    /// CPU in millicores: `500m`, or `2` when whole.
    public static func cpu(millicores: Int64) -> Quantity {
        let text = millicores % 1000 == 0 ? String(millicores / 1000) : "\(millicores)m"
        return Quantity(value: Decimal(millicores) / 1000, text: text)
    }

    /// Bytes with the largest binary suffix that is exact (`1Gi`, `512Mi`, `1000`).
    public static func bytes(_ count: Int64) -> Quantity {
        for (suffix, shift) in binarySuffixes.reversed() where count != 0 && count % (1 << shift) == 0 {
            return Quantity(value: Decimal(count), text: "\(count >> shift)\(suffix)")
        }
        return Quantity(value: Decimal(count), text: String(count))
    }

    /// Bytes with the largest decimal suffix that is exact (`5G`, `1500k`).
    public static func decimalBytes(_ count: Int64) -> Quantity {
        for (suffix, exponent) in decimalSuffixes.reversed() where exponent > 0 && count != 0 {
            var power: Int64 = 1
            for _ in 0..<exponent { power *= 10 }
            if count % power == 0 { return Quantity(value: Decimal(count), text: "\(count / power)\(suffix)") }
        }
        return Quantity(value: Decimal(count), text: String(count))
    }
}
