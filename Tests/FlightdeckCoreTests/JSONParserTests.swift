import Foundation
import FlightdeckTestSupport
import Testing

@testable import FlightdeckCore

@Suite("JSONParser and JSONValue")
struct JSONParserTests {
    private let parser = JSONParser()

    private func parse(_ text: String) throws -> JSONValue {
        try parser.parse(text)
    }

    private func parseBytes(_ bytes: [UInt8]) throws -> JSONValue {
        try parser.parse(bytes)
    }

    private func error(_ text: String) -> JSONParser.Error? {
        do {
            _ = try parser.parse(text)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Values

    @Test func scalars() throws {
        #expect(try parse("null") == .null)
        #expect(try parse("true") == .bool(true))
        #expect(try parse("false") == .bool(false))
        #expect(try parse("42") == .integer(42))
        #expect(try parse("\"hi\"") == .string("hi"))
        #expect(try parse(" \t\r\n 7 \n") == .integer(7))
    }

    @Test func objectsKeepOrderAndDuplicates() throws {
        let value = try parse(#"{"b":1,"a":[true,null,"x"],"b":2,"c":{}}"#)
        #expect(value.members?.map(\.key) == ["b", "a", "b", "c"])
        #expect(value["b"] == .integer(2), "the last duplicate wins on lookup")
        #expect(value["a"]?[2] == .string("x"))
        #expect(value["a"]?[3] == nil)
        #expect(value["missing"] == nil)
        #expect(value["c"] == .object([]))
        #expect(try parse("[]") == .array([]))
        #expect(try parse(#"[ 1 , [ ] , { "k" : "v" } ]"#) == [1, [], ["k": "v"]])
    }

    @Test func accessors() throws {
        #expect(JSONValue.double(12.0).int64Value == 12)
        #expect(JSONValue.double(12.5).int64Value == nil)
        #expect(JSONValue.double(1e300).int64Value == nil)
        #expect(JSONValue.integer(3).doubleValue == 3.0)
        #expect(JSONValue.string("3").int64Value == nil)
        #expect(JSONValue.bool(true).boolValue == true)
        #expect(JSONValue.null.isNull)
        #expect(JSONValue.string("s").stringValue == "s")
        #expect(JSONValue.array([1]).arrayValue == [1])
        #expect(JSONValue.integer(1)["k"] == nil)
    }

    // MARK: - Strings

    @Test func everyEscape() throws {
        let value = try parse(#""\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\u0000""#)
        #expect(value == .string("\"\\/\u{08}\u{0C}\n\r\tAé€\u{00}"))
    }

    @Test func surrogatePairs() throws {
        #expect(try parse(#""\uD83D\uDE00""#) == .string("😀"))
        #expect(try parse(#""\ud83d\ude00x""#) == .string("😀x"))
    }

    @Test func loneSurrogatesBecomeReplacementCharacters() throws {
        #expect(try parse(#""\uD800""#) == .string("\u{FFFD}"))
        #expect(try parse(#""\uDC00""#) == .string("\u{FFFD}"))
        #expect(try parse(#""a\uD800b""#) == .string("a\u{FFFD}b"))
        #expect(try parse(#""\uD800\u0041""#) == .string("\u{FFFD}A"))
        #expect(try parse(#""\uD800\uD800\uDC00""#) == .string("\u{FFFD}𐀀"))
        #expect(try parse(#""\uDC00\uD800""#) == .string("\u{FFFD}\u{FFFD}"))
    }

    @Test func invalidUTF8IsRepaired() throws {
        let quote: UInt8 = 0x22
        #expect(try parseBytes([quote, 0xFF, quote]) == .string("\u{FFFD}"))
        #expect(try parseBytes([quote, 0x61, 0xC3, quote]) == .string("a\u{FFFD}"))
        #expect(try parseBytes([quote, 0xC0, 0x80, quote]).stringValue?.contains("\u{FFFD}") == true)
        #expect(
            try parseBytes([quote, 0xED, 0xA0, 0x80, quote]).stringValue?.unicodeScalars.allSatisfy {
                $0 == "\u{FFFD}"
            } == true)
        // A truncated sequence followed by an escape is not completed by the escape.
        #expect(try parseBytes([quote, 0xC3] + Array(#"\u00A9""#.utf8)) == .string("\u{FFFD}©"))
        #expect(try parseBytes([quote, 0xC3, 0xA9, quote]) == .string("é"))
    }

    @Test func stringErrors() {
        #expect(error(#""abc"#)?.reason == .unexpectedEnd)
        #expect(error(#""a\x""#) == JSONParser.Error(.invalidEscape, at: 3))
        #expect(error(#""\u12""#)?.reason == .invalidEscape)
        #expect(error(#""\u12"#)?.reason == .unexpectedEnd)
        #expect(error("\"a\tb\"") == JSONParser.Error(.controlCharacterInString, at: 2))
        #expect(error("\"a\\")?.reason == .unexpectedEnd)
        #expect(error("'a'")?.reason == .unexpectedByte(UInt8(ascii: "'")))
    }

    // MARK: - Numbers

    @Test func integersStayExact() throws {
        #expect(try parse("0") == .integer(0))
        #expect(try parse("-123") == .integer(-123))
        #expect(try parse("9223372036854775807") == .integer(.max))
        #expect(try parse("-9223372036854775808") == .integer(.min))
        #expect(try parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try parse("-9223372036854775809") == .double(-9.223372036854775808e18))
        #expect(try parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
        #expect(try parse("-0") == .double(-0.0))
    }

    @Test func doubles() throws {
        #expect(try parse("1.5") == .double(1.5))
        #expect(try parse("0.1") == .double(0.1))
        #expect(try parse("1e2") == .double(100))
        #expect(try parse("1E+2") == .double(100))
        #expect(try parse("-1.5e-3") == .double(-0.0015))
        #expect(try parse("12.0") == .double(12))
        #expect(try parse("0.000001") == .double(0.000001))
        #expect(try parse("1e22") == .double(1e22))
        #expect(try parse("1e23") == .double(1e23))
        #expect(try parse("3.14159265358979323846264338327950288") == .double(Double.pi))
        #expect(try parse("2.2250738585072014e-308") == .double(2.2250738585072014e-308))
        #expect(try parse("1.7976931348623157e308") == .double(.greatestFiniteMagnitude))
        #expect(try parse("0.00000000000000000000000000001") == .double(1e-29))
    }

    @Test func extremeNumbersDoNotTrap() throws {
        #expect(try parse("1e400") == .double(.infinity))
        #expect(try parse("-1e400") == .double(-.infinity))
        #expect(try parse("1e-400") == .double(0))
        #expect(try parse("1e99999999999999999999999") == .double(.infinity))
        #expect(try parse("1e-99999999999999999999999") == .double(0))
        let longDigits = String(repeating: "9", count: 5000)
        #expect(try parse(longDigits) == .double(.infinity))
        #expect(try parse("0." + longDigits).doubleValue == 1.0)
    }

    @Test(arguments: [
        "01", "1.", ".5", "-", "+1", "1e", "1e+", "--1", "NaN", "Infinity", "-Infinity", "1.e3", "0x10", "1_000",
    ])
    func invalidNumbers(_ text: String) {
        #expect(error(text) != nil)
    }

    // MARK: - Structure errors

    @Test func structuralErrorsCarryOffsets() {
        #expect(error(#"{"a":}"#) == JSONParser.Error(.unexpectedByte(UInt8(ascii: "}")), at: 5))
        #expect(error("{} x") == JSONParser.Error(.trailingData, at: 3))
        #expect(error("") == JSONParser.Error(.unexpectedEnd, at: 0))
        #expect(error("   ") == JSONParser.Error(.unexpectedEnd, at: 3))
        #expect(error("[1,]")?.reason == .unexpectedByte(UInt8(ascii: "]")))
        #expect(error(#"{"a":1,}"#)?.reason == .unexpectedByte(UInt8(ascii: "}")))
        #expect(error(#"{"a" 1}"#)?.reason == .unexpectedByte(UInt8(ascii: "1")))
        #expect(error("{1:2}")?.reason == .unexpectedByte(UInt8(ascii: "1")))
        #expect(error("[1 2]")?.reason == .unexpectedByte(UInt8(ascii: "2")))
        #expect(error("tru")?.reason == .unexpectedEnd)
        #expect(error("nul!")?.reason == .unexpectedByte(UInt8(ascii: "!")))
        #expect(error("{")?.reason == .unexpectedEnd)
        #expect(error("[")?.reason == .unexpectedEnd)
        #expect(error("\u{FEFF}{}")?.reason == .unexpectedByte(0xEF), "a BOM is the caller's business")
        #expect(error("1 2")?.reason == .trailingData)
        #expect(error("{}}")?.reason == .trailingData)
    }

    @Test func depthLimit() throws {
        let nested64 = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try parse(nested64) }
        let nested65 = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(error(nested65)?.reason == .tooDeep)
        let objects65 = String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65)
        #expect(error(objects65)?.reason == .tooDeep)
        #expect(error(String(repeating: "[", count: 200_000))?.reason == .tooDeep)
        #expect(error(String(repeating: #"{"a":["#, count: 100_000))?.reason == .tooDeep)
        #expect(throws: JSONParser.Error.self) { try JSONParser(maxDepth: 0).parse("[]") }
        #expect(try JSONParser(maxDepth: 0).parse("5") == .integer(5))
    }

    // MARK: - Entry points

    @Test func entryPointsAgree() throws {
        let text = #"{"k":[1,2.5,"é"]}"#
        let expected = try parse(text)
        let bytes = Array(text.utf8)
        #expect(try parser.parse(bytes) == expected)
        #expect(try parser.parse(Data(bytes)) == expected)
        #expect(try parser.parse((Array("xx".utf8) + bytes)[2...]) == expected)
        #expect(try parser.parse(bytes.lazy.map { $0 }) == expected)
        #expect(try bytes.withUnsafeBufferPointer { try parser.parse($0) } == expected)
        #expect(throws: JSONParser.Error(.unexpectedEnd, at: 0)) { try parser.parse([UInt8]()) }
    }

    // MARK: - Serialising

    @Test func serializedIsCompactAndEscaped() throws {
        let value: JSONValue = [
            "s": "a\"b\\c\n\t\r\u{08}\u{0C}\u{01}\u{1F}\u{7F}é😀/", "n": nil, "t": true, "f": false,
            "i": -5, "d": 1.5, "e": [], "o": [:], "big": .double(1e300), "tiny": .double(1e-7),
        ]
        #expect(
            value.serialized
                == #"{"s":"a\"b\\c\n\t\r\b\f\u0001\u001f"# + "\u{7F}é😀/"
                + #"","n":null,"t":true,"f":false,"i":-5,"d":1.5,"e":[],"o":{},"big":1e+300,"tiny":1e-07}"#)
        #expect(try parse(value.serialized) == value)
        #expect(value.description == value.serialized)
    }

    @Test func nonFiniteDoublesSerializeAsNull() {
        #expect(
            JSONValue.array([.double(.infinity), .double(-.infinity), .double(.nan)]).serialized == "[null,null,null]")
        #expect(JSONValue.double(-0.0).serialized == "-0.0")
        #expect(JSONValue.integer(.min).serialized == "-9223372036854775808")
    }

    @Test func reencodingIsStable() throws {
        let line = #"{ "z" : 1 , "a" : { "y" : [ 1.25 , "\u00e9\n" ] , "b" : null } , "z" : 2 }"#
        let once = try parse(line).serialized
        #expect(once == #"{"z":1,"a":{"y":[1.25,"é\n"],"b":null},"z":2}"#)
        #expect(try parse(once).serialized == once)
    }

    @Test func serializingWithMappedStringsReachesKeysAndValues() {
        let value: JSONValue = ["a": ["b", ["c": "d\n"]], "e": 1]
        #expect(value.serialized(mappingStrings: { $0.uppercased() }) == #"{"A":["B",{"C":"D\n"}],"E":1}"#)
    }

    // MARK: - Properties

    @Test func randomValuesRoundTrip() throws {
        var rng = SeededRandom(seed: 0x5EED)
        for _ in 0..<2000 {
            let value = randomValue(depth: 0, using: &rng)
            let text = value.serialized
            #expect(try parse(text) == value, "\(text)")
        }
    }

    @Test func randomBytesNeverCrash() {
        var rng = SeededRandom(seed: 42)
        let alphabet = Array(#"{}[]":,.-+eE0123456789 \truenfalsx\u00D8"#.utf8) + [0x00, 0xFF, 0xC3, 0xED, 0x0A]
        for _ in 0..<20_000 {
            let count = Int.random(in: 0..<64, using: &rng)
            let bytes = (0..<count).map { _ in
                Bool.random(using: &rng) ? alphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            }
            if let value = try? parser.parse(bytes) {
                // Whatever parses re-encodes to JSON that re-encodes identically.
                let text = value.serialized
                #expect((try? parser.parse(text))?.serialized == text)
            }
        }
    }

    private func randomValue(depth: Int, using rng: inout SeededRandom) -> JSONValue {
        let pick = Int.random(in: 0..<(depth > 4 ? 5 : 7), using: &rng)
        switch pick {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .integer(Int64.random(in: .min ... .max, using: &rng))
        case 3:
            let double = Double(bitPattern: UInt64.random(in: 0 ... .max, using: &rng))
            return .double(double.isFinite ? double : 0.5)
        case 4:
            let scalars = (0..<Int.random(in: 0..<12, using: &rng)).map { _ in
                Unicode.Scalar(UInt32.random(in: 0...0x2FFF, using: &rng)) ?? "?"
            }
            return .string(String(String.UnicodeScalarView(scalars)))
        case 5:
            return .array(
                (0..<Int.random(in: 0..<4, using: &rng)).map { _ in randomValue(depth: depth + 1, using: &rng) })
        default:
            return .object(
                (0..<Int.random(in: 0..<4, using: &rng)).map { index in
                    JSONValue.Member("k\(index % 2)", randomValue(depth: depth + 1, using: &rng))
                })
        }
    }
}
