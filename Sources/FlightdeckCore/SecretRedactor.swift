/// Replaces credentials in untrusted text with a short hint, before anything is stored or shown.
///
/// Agents run code with real credentials in reach, and print whatever their tools print:
/// environment dumps, `curl -v` headers, config files, private keys. Redaction runs on every
/// ingested line, before sanitising, so a secret never reaches the history store, the screen
/// or a bug report. Each secret becomes a hint plus `…[redacted]` so an operator can still tell
/// what was there: `sk-proj-…[redacted]`, `ghp_…[redacted]`, `AKIA…[redacted]`,
/// `Authorization: Bearer …[redacted]`, `postgres://app:…[redacted]@db`, `password=Xk…[redacted]`,
/// `-----BEGIN RSA PRIVATE KEY-----…[redacted]`.
///
/// Rules: provider tokens that identify themselves (OpenAI, Anthropic, GitHub, AWS access key
/// ids, Slack tokens and webhooks, Google API keys, Stripe secret keys, JWTs), PEM private-key
/// blocks, `Bearer`/`Basic` credentials, passwords in URLs, and high-entropy values of
/// `key=value` style pairs whose key names a secret (`OPENAI_API_KEY`, `"password":`, `clientSecret`).
///
/// This is a guard against accidental disclosure, not a barrier against an agent that wants to
/// exfiltrate a secret (it can always encode one). Output is idempotent: redacting redacted text
/// changes nothing. The scanner is a single pass over UTF-8 bytes that only looks closer where a
/// rule can start, and returns the input itself, without allocating, when nothing matched.
public struct SecretRedactor: Sendable {
    /// Written after the hint of every redacted secret.
    static let marker: StaticString = "…[redacted]"

    /// The standard rule set.
    public init() {}

    /// `text` with every secret replaced by its hint and `…[redacted]`.
    public func redact(_ text: String) -> String {
        redactTrackingKeyBlock(text).text
    }

    /// True when `redact(text)` would change it (for tests and metrics).
    public func containsSecret(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { Scanner(bytes: $0, floor: 0).nextMatch() != nil }
    }

    /// Redacts `text` and reports whether it ends inside a private-key block whose END line
    /// has not been seen yet, which is what a line stream needs to carry to the next line.
    func redactTrackingKeyBlock(_ text: String) -> (text: String, endsInsideKey: Bool) {
        var text = text
        let redacted: (String, Bool)? = text.withUTF8 { bytes in
            guard var match = Scanner(bytes: bytes, floor: 0).nextMatch() else { return nil }
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count + 32)
            var copied = 0
            while true {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied ..< match.start + match.keep]))
                Self.marker.withUTF8Buffer { output.append(contentsOf: $0) }
                copied = match.end
                guard let next = Scanner(bytes: bytes, floor: copied).nextMatch() else { break }
                match = next
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
            return (String(decoding: output, as: UTF8.self), match.opensKeyBlock)
        }
        return redacted ?? (text, false)
    }

    /// The part of `line` after the END line of a private-key block, or nil when `line` does
    /// not end one.
    func textAfterPrivateKeyEnd(in line: String) -> String? {
        var line = line
        return line.withUTF8 { bytes in
            Scanner(bytes: bytes, floor: 0).privateKeyEnd(from: 0).map {
                String(decoding: UnsafeBufferPointer(rebasing: bytes[$0...]), as: UTF8.self)
            }
        }
    }
}

// MARK: - Line streams

extension SecretRedactor {
    /// Redacts a stream of lines, such as pod logs, where a PEM private key printed line by line
    /// must be redacted from its BEGIN line through its END line.
    ///
    /// The BEGIN line keeps its header as the hint; every line inside the block, and the END
    /// line, becomes `…[redacted]` (followed by whatever came after the END marker), so line
    /// numbers stay stable. A block that never ends is closed after `maxKeyLines` lines, so a
    /// stray BEGIN cannot hide the rest of a log from the operator.
    public struct LineStream: Sendable {
        /// The rules applied to every line.
        public let redactor: SecretRedactor
        /// The most lines a private-key block may span (an 8192-bit RSA key in PEM is about 100).
        public let maxKeyLines: Int
        /// Lines seen since the open block's BEGIN line; nil outside a block.
        private var keyLines: Int?

        /// A stream that starts outside any private-key block.
        public init(redactor: SecretRedactor = SecretRedactor(), maxKeyLines: Int = 256) {
            self.redactor = redactor
            self.maxKeyLines = maxKeyLines
        }

        /// True between a private key's BEGIN line and its END line.
        public var isInsidePrivateKey: Bool { keyLines != nil }

        /// `line` redacted, given the lines that came before it.
        public mutating func redact(line: String) -> String {
            guard let seen = keyLines else { return redactOutsideKey(line) }
            if let rest = redactor.textAfterPrivateKeyEnd(in: line) {
                keyLines = nil
                return SecretRedactor.marker.description + redactOutsideKey(rest)
            }
            keyLines = seen + 1 < maxKeyLines ? seen + 1 : nil
            return SecretRedactor.marker.description
        }

        private mutating func redactOutsideKey(_ text: String) -> String {
            let (redacted, endsInsideKey) = redactor.redactTrackingKeyBlock(text)
            if endsInsideKey { keyLines = 0 }
            return redacted
        }
    }
}

// MARK: - Scanner

extension SecretRedactor {
    /// Finds secrets in UTF-8 bytes. Rules live in `SecretRedactor+Rules.swift`.
    struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        /// Where the text still to be scanned starts. Rules never look behind it: in the output,
        /// what precedes it is the start of the text or the end of a marker, so stopping here
        /// makes a second pass over the output see exactly what this pass saw.
        let floor: Int

        /// A secret found in the text: bytes `start ..< end` become their first `keep` bytes
        /// (the hint) followed by the marker.
        struct Match {
            var start: Int
            var keep: Int
            var end: Int
            /// A private-key BEGIN without an END: the match runs to the end of the text.
            var opensKeyBlock = false
        }

        /// The first secret found at or after `floor`.
        ///
        /// Sixteen bytes at a time are compared with the anchor bytes (SIMD), and only anchors
        /// are looked at, so ordinary text costs a few instructions per chunk. Anchors are bytes
        /// where a rule is checked, chosen to be rare in ordinary text: the `-` of `sk-`, `xoxb-`
        /// and `-----BEGIN`; the `_` of `ghp_`, `github_pat_` and `sk_live_`; the `J` of `eyJ`;
        /// the `A` of `AKIA`, `AIza` and of an NKey seed's `SUA`; the `B`/`b` of `Bearer` and
        /// `Basic`; the `:` of a URL or a key; the `=` of a key.
        func nextMatch() -> Match? {
            let count = bytes.count
            guard let base = bytes.baseAddress else { return nil }
            let dash = SIMD16<UInt8>(repeating: UInt8(ascii: "-"))
            let colon = SIMD16<UInt8>(repeating: UInt8(ascii: ":"))
            let equals = SIMD16<UInt8>(repeating: UInt8(ascii: "="))
            let underscore = SIMD16<UInt8>(repeating: UInt8(ascii: "_"))
            let upperA = SIMD16<UInt8>(repeating: UInt8(ascii: "A"))
            let upperB = SIMD16<UInt8>(repeating: UInt8(ascii: "B"))
            let upperJ = SIMD16<UInt8>(repeating: UInt8(ascii: "J"))
            let lowerB = SIMD16<UInt8>(repeating: UInt8(ascii: "b"))
            var i = floor
            while i < count {
                let chunk = i &+ 16 <= count
                    ? UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<UInt8>.self)
                    : Self.paddedChunk(base + i, count: count - i)
                let punctuation = (chunk .== dash) .| (chunk .== colon) .| (chunk .== equals) .| (chunk .== underscore)
                let letters = (chunk .== upperA) .| (chunk .== upperB) .| (chunk .== upperJ) .| (chunk .== lowerB)
                var anchors = Self.bitPerLane(punctuation .| letters)
                while anchors != 0 {
                    if let match = match(at: i &+ anchors.trailingZeroBitCount) { return match }
                    anchors &= anchors &- 1
                }
                i &+= 16
            }
            return nil
        }

        /// The last `count` (< 16) bytes of the text, padded with zeros, which are not anchors.
        @inline(never)
        private static func paddedChunk(_ start: UnsafePointer<UInt8>, count: Int) -> SIMD16<UInt8> {
            var chunk = SIMD16<UInt8>(repeating: 0)
            withUnsafeMutableBytes(of: &chunk) {
                $0.copyMemory(from: UnsafeRawBufferPointer(start: start, count: count))
            }
            return chunk
        }

        /// Bit `n` is set when lane `n` of `mask` is. Each lane is 0x00 or 0xFF; multiplying a
        /// half's low bits by the magic constant gathers them into its top byte, lane `j` at bit `j`
        /// (lanes are in little-endian order, as on every platform Swift targets).
        @inline(__always)
        private static func bitPerLane(_ mask: SIMDMask<SIMD16<Int8>>) -> UInt64 {
            let halves = unsafeBitCast(mask, to: SIMD2<UInt64>.self)
            let lowBits: UInt64 = 0x0101_0101_0101_0101
            let gather: UInt64 = 0x0102_0408_1020_4080
            return ((halves[0] & lowBits) &* gather) >> 56 | (((halves[1] & lowBits) &* gather) >> 56) << 8
        }

        /// The rule anchored at `i`, if it matches there. A match may start before its anchor,
        /// never before `floor`. The anchors are the bytes `nextMatch` looks for.
        ///
        /// An `if` chain, most frequent anchors first, rather than a `switch`: its jump table is an
        /// indirect branch that mispredicts on most anchors (about 10% slower on JSON lines).
        private func match(at i: Int) -> Match? {
            let anchor = bytes[i]
            if anchor == UInt8(ascii: ":") {
                return slackWebhook(at: i) ?? urlPassword(at: i) ?? keyValue(at: i)
            }
            if anchor == UInt8(ascii: "-") {
                return token(at: i - 2) ?? token(at: i - 4) ?? privateKey(at: i) // sk-  xoxb- xapp-  -----BEGIN
            }
            if anchor == UInt8(ascii: "_") {
                return token(at: i - 3) ?? token(at: i - 6) ?? token(at: i - 2) // ghp_  github_pat_  sk_live_
            }
            if anchor == UInt8(ascii: "=") { return keyValue(at: i) }
            if anchor == UInt8(ascii: "J") { return token(at: i - 2) } // eyJ
            if anchor == UInt8(ascii: "A") { return token(at: i) ?? nkeySeed(at: i - 2) } // AKIA  AIza  SUA…
            return authorizationCredential(at: i) // B, b: Bearer, Basic
        }

        /// A secret that identifies itself, starting exactly at `i`. Context rules (key-value
        /// pairs, URLs, auth schemes) defer to these, which give the better hint.
        func selfIdentifying(at i: Int) -> Match? {
            token(at: i) ?? nkeySeed(at: i) ?? privateKey(at: i)
        }
    }
}
