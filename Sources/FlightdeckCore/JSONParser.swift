/// An RFC 8259 JSON parser over UTF-8 bytes, built for hostile input on the ingest path.
///
/// Why hand-written: Foundation's `JSONSerialization` and `JSONDecoder` cost ~9 µs for a
/// 150-byte line on Linux, most of the ingest budget, and return untyped or schema-bound
/// results. This parser makes one pass over the bytes with no intermediate tokens, keeps
/// integers exact and object members in order (`JSONValue`), and never traps:
///
/// - nesting deeper than `maxDepth` is an error, not a stack overflow;
/// - invalid UTF-8 inside strings is repaired to U+FFFD, and so are lone surrogate escapes;
/// - numbers too large for `Double` become `±infinity` (as in JavaScript);
/// - trailing bytes after the value, raw control characters in strings, leading zeros,
///   bad escapes and truncated input are errors with the byte offset where they were seen.
///
/// A byte order mark is not skipped: callers that accept one strip it first.
public struct JSONParser: Sendable {
    /// Why parsing stopped, and where.
    public struct Error: Swift.Error, Sendable, Hashable, CustomStringConvertible {
        /// What was wrong, for logs and tests; callers on the ingest path only need "not JSON".
        public enum Reason: Sendable, Hashable {
            /// The input ended inside a value.
            case unexpectedEnd
            /// A byte that cannot start or continue a value here.
            case unexpectedByte(UInt8)
            /// A malformed number (`01`, `1.`, `-`, `1e`).
            case invalidNumber
            /// An unknown `\x` escape or a `\u` without four hex digits.
            case invalidEscape
            /// A raw byte below 0x20 inside a string (RFC 8259 requires it escaped).
            case controlCharacterInString
            /// Arrays and objects nested deeper than `maxDepth`.
            case tooDeep
            /// Bytes after a complete value.
            case trailingData
        }

        public var reason: Reason
        /// Byte offset into the input where the problem was found.
        public var offset: Int

        public init(_ reason: Reason, at offset: Int) {
            self.reason = reason
            self.offset = offset
        }

        public var description: String { "JSON error at byte \(offset): \(reason)" }
    }

    /// Deep enough for any real tool call, shallow enough that recursion cannot exhaust a stack.
    public static let defaultMaxDepth = 64

    /// How many arrays/objects may be nested; one more is `Reason.tooDeep`.
    public var maxDepth: Int

    public init(maxDepth: Int = JSONParser.defaultMaxDepth) {
        self.maxDepth = maxDepth
    }

    // MARK: - Entry points

    /// Parses exactly one JSON value (surrounded by optional whitespace) from `bytes`.
    public func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(Error) -> JSONValue {
        var cursor = Cursor(bytes: bytes, maxDepth: maxDepth)
        cursor.skipWhitespace()
        let value = try cursor.parseValue(depth: 0)
        cursor.skipWhitespace()
        guard cursor.position == bytes.count else { throw Error(.trailingData, at: cursor.position) }
        return value
    }

    /// Parses a byte array without copying it.
    public func parse(_ bytes: [UInt8]) throws(Error) -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer in Result { () throws(Error) in try parse(buffer) } }.get()
    }

    /// Parses a string's UTF-8 in place.
    public func parse(_ text: String) throws(Error) -> JSONValue {
        var text = text
        return try text.withUTF8 { buffer in Result { () throws(Error) in try parse(buffer) } }.get()
    }

    /// Any byte collection (`Data`, `ArraySlice`, a NATS payload); copied only when not contiguous.
    public func parse(_ bytes: some Collection<UInt8>) throws(Error) -> JSONValue {
        let result = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(Error) in try parse(buffer) }
        }
        return try (result ?? Result { () throws(Error) in try parse(Array(bytes)) }).get()
    }
}

// MARK: - Cursor

extension JSONParser {
    /// The parse state: a read position over borrowed bytes. Lives only inside one `parse`.
    ///
    /// Containers start with room for 8 children: one allocation for most objects, and
    /// growth moves children without touching reference counts. (Collecting children on a
    /// shared stack and copying them out exactly sized measured ~30% slower: the copy
    /// retains every child and the pop releases it again.)
    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        let maxDepth: Int
        var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        /// `unexpectedEnd` at the end of the input; otherwise `reason`, by default the byte here.
        private func failure(_ reason: Error.Reason? = nil) -> Error {
            guard position < bytes.count else { return Error(.unexpectedEnd, at: position) }
            return Error(reason ?? .unexpectedByte(bytes[position]), at: position)
        }

        // MARK: Values

        mutating func parseValue(depth: Int) throws(Error) -> JSONValue {
            guard position < bytes.count else { throw Error(.unexpectedEnd, at: position) }
            switch bytes[position] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
            case let byte: throw Error(.unexpectedByte(byte), at: position)
            }
        }

        private mutating func expectLiteral(_ literal: StaticString) throws(Error) {
            let count = literal.utf8CodeUnitCount
            let start = literal.utf8Start
            for offset in 0..<count {
                guard position < bytes.count, bytes[position] == start[offset] else {
                    throw failure()
                }
                position += 1
            }
        }

        private mutating func parseObject(depth: Int) throws(Error) -> JSONValue {
            guard depth <= maxDepth else { throw Error(.tooDeep, at: position) }
            position += 1  // {
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object([])
            }
            var members: [JSONValue.Member] = []
            members.reserveCapacity(8)
            while true {
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                    throw failure()
                }
                let key = try parseString()
                skipWhitespace()
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                    throw failure()
                }
                position += 1
                skipWhitespace()
                let value = try parseValue(depth: depth)
                members.append(JSONValue.Member(key, value))
                skipWhitespace()
                guard position < bytes.count else { throw Error(.unexpectedEnd, at: position) }
                switch bytes[position] {
                case UInt8(ascii: ","):
                    position += 1
                    skipWhitespace()
                case UInt8(ascii: "}"):
                    position += 1
                    return .object(members)
                case let byte:
                    throw Error(.unexpectedByte(byte), at: position)
                }
            }
        }

        private mutating func parseArray(depth: Int) throws(Error) -> JSONValue {
            guard depth <= maxDepth else { throw Error(.tooDeep, at: position) }
            position += 1  // [
            skipWhitespace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array([])
            }
            var elements: [JSONValue] = []
            elements.reserveCapacity(8)
            while true {
                let element = try parseValue(depth: depth)
                elements.append(element)
                skipWhitespace()
                guard position < bytes.count else { throw Error(.unexpectedEnd, at: position) }
                switch bytes[position] {
                case UInt8(ascii: ","):
                    position += 1
                    skipWhitespace()
                case UInt8(ascii: "]"):
                    position += 1
                    return .array(elements)
                case let byte:
                    throw Error(.unexpectedByte(byte), at: position)
                }
            }
        }

        // MARK: Strings

        /// Parses a string starting at its opening quote.
        ///
        /// Fast path: no escapes, so the bytes between the quotes become the `String`
        /// directly (`String(decoding:)` validates and repairs invalid UTF-8 to U+FFFD).
        /// Escapes switch to building the UTF-8 in a buffer, which is decoded the same way;
        /// escapes only ever produce complete sequences, so they cannot complete a broken
        /// raw one.
        mutating func parseString() throws(Error) -> String {
            position += 1  // "
            let start = position
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                    position += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw Error(.controlCharacterInString, at: position) }
                position += 1
            }
            guard position < bytes.count else { throw Error(.unexpectedEnd, at: position) }

            var utf8: [UInt8] = []
            utf8.reserveCapacity(position - start + 16)
            utf8.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<position]))
            while position < bytes.count {
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\""):
                    position += 1
                    return String(decoding: utf8, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    try parseEscape(into: &utf8)
                case 0x00..<0x20:
                    throw Error(.controlCharacterInString, at: position)
                default:
                    utf8.append(byte)
                    position += 1
                }
            }
            throw Error(.unexpectedEnd, at: position)
        }

        /// Decodes one escape at the backslash and appends its UTF-8.
        private mutating func parseEscape(into utf8: inout [UInt8]) throws(Error) {
            position += 1  // backslash
            guard position < bytes.count else { throw Error(.unexpectedEnd, at: position) }
            let escaped = bytes[position]
            position += 1
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escaped)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                let unit = try parseHex4()
                var scalar = Unicode.Scalar(0xFFFD as UInt32)!
                if (0xD800...0xDBFF).contains(unit) {
                    // A high surrogate counts only when a `\u` low surrogate follows;
                    // otherwise it is U+FFFD and whatever follows is read on its own.
                    if position + 5 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                        bytes[position + 1] == UInt8(ascii: "u")
                    {
                        let saved = position
                        position += 2
                        let low = try parseHex4()
                        if (0xDC00...0xDFFF).contains(low) {
                            let combined = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                            scalar = Unicode.Scalar(combined) ?? scalar
                        } else {
                            position = saved
                        }
                    }
                } else if let plain = Unicode.Scalar(UInt32(unit)) {
                    scalar = plain  // nil for a lone low surrogate, which stays U+FFFD
                }
                utf8.append(contentsOf: UTF8.encode(scalar)!)
            default:
                throw Error(.invalidEscape, at: position - 1)
            }
        }

        private mutating func parseHex4() throws(Error) -> UInt16 {
            var value: UInt16 = 0
            for _ in 0..<4 {
                guard position < bytes.count else { throw Error(.unexpectedEnd, at: position) }
                let byte = bytes[position]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw Error(.invalidEscape, at: position)
                }
                value = value << 4 | UInt16(digit)
                position += 1
            }
            return value
        }

        // MARK: Numbers

        /// Parses `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
        ///
        /// Integers that fit stay exact. Doubles take Clinger's fast path (a mantissa below
        /// 2^53 and a power of ten up to 22: one exact multiply or divide, correctly
        /// rounded); anything else goes to the standard library's correctly rounded,
        /// locale-independent `Double(_:)` (not `strtod`, which follows `LC_NUMERIC`).
        private mutating func parseNumber() throws(Error) -> JSONValue {
            let start = position
            let negative = bytes[position] == UInt8(ascii: "-")
            if negative { position += 1 }

            var mantissa: UInt64 = 0
            var digits = 0  // significant digits folded into `mantissa`
            var mantissaExact = true  // false once a digit did not fit

            func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

            guard position < bytes.count, isDigit(bytes[position]) else { throw failure(.invalidNumber) }
            if bytes[position] == UInt8(ascii: "0") {
                position += 1
            } else {
                while position < bytes.count, isDigit(bytes[position]) {
                    if digits < 19 {
                        mantissa = mantissa * 10 + UInt64(bytes[position] - UInt8(ascii: "0"))
                        digits += 1
                    } else {
                        mantissaExact = false
                    }
                    position += 1
                }
            }

            var fractionDigits = 0
            var isInteger = true
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                isInteger = false
                position += 1
                guard position < bytes.count, isDigit(bytes[position]) else { throw failure(.invalidNumber) }
                while position < bytes.count, isDigit(bytes[position]) {
                    let digit = UInt64(bytes[position] - UInt8(ascii: "0"))
                    if digits < 19 {
                        if mantissa != 0 || digit != 0 { digits += 1 }
                        mantissa = mantissa * 10 + digit
                        fractionDigits += 1
                    } else if digit != 0 {
                        mantissaExact = false
                    }
                    position += 1
                }
            }

            var exponent = 0
            if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
                isInteger = false
                position += 1
                var exponentNegative = false
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")
                {
                    exponentNegative = bytes[position] == UInt8(ascii: "-")
                    position += 1
                }
                guard position < bytes.count, isDigit(bytes[position]) else { throw failure(.invalidNumber) }
                while position < bytes.count, isDigit(bytes[position]) {
                    // Saturate: anything past 10^±99999 is infinity or zero anyway.
                    if exponent < 100_000 { exponent = exponent * 10 + Int(bytes[position] - UInt8(ascii: "0")) }
                    position += 1
                }
                if exponentNegative { exponent = -exponent }
            }

            if isInteger, mantissaExact {
                if !negative, mantissa <= UInt64(Int64.max) { return .integer(Int64(mantissa)) }
                if negative, mantissa != 0, mantissa <= UInt64(Int64.max) + 1 {
                    return .integer(Int64(truncatingIfNeeded: 0 &- mantissa))
                }
                if negative, mantissa == 0 { return .double(-0.0) }
            }

            let power = exponent - fractionDigits
            if mantissaExact, mantissa < 1 << 53, (-22...22).contains(power) {
                var value = Double(mantissa)
                value = power < 0 ? value / Self.powersOfTen[-power] : value * Self.powersOfTen[power]
                return .double(negative ? -value : value)
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            guard let value = Double(text) else { throw Error(.invalidNumber, at: start) }
            return .double(value)
        }

        /// Exactly representable powers of ten for the fast path.
        private static let powersOfTen: [Double] = [
            1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
            1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
        ]
    }
}
