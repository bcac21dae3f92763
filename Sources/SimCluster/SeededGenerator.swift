/// SplitMix64: a tiny, seedable generator so uids and generated names are the same on every
/// test run (the system generator cannot be seeded).
struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A random (version 4) UUID in the lower-case form the apiserver writes.
    mutating func uuid() -> String {
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &self) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { byte -> String in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }
        return hex[0..<4].joined() + "-" + hex[4..<6].joined() + "-" + hex[6..<8].joined() + "-"
            + hex[8..<10].joined() + "-" + hex[10..<16].joined()
    }

    /// The alphabet of apimachinery's `utilrand.String`: lower-case alphanumerics without
    /// vowels and look-alikes, so generated names never spell words.
    static let nameAlphabet = Array("bcdfghjklmnpqrstvwxz2456789")

    /// Five characters, as `generateName` appends.
    mutating func nameSuffix() -> String {
        String((0..<5).map { _ in Self.nameAlphabet[Int.random(in: 0..<Self.nameAlphabet.count, using: &self)] })
    }
}
