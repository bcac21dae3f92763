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
        struct Match: Equatable {
            var start: Int
            var keep: Int
            var end: Int
            /// A private-key BEGIN without an END: the match runs to the end of the text.
            var opensKeyBlock = false
        }

        /// The first secret found at or after `floor`.
        ///
        /// Sixteen bytes at a time are checked for an anchor byte (eight SIMD compares); only
        /// a chunk holding one is looked at byte by byte.
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
                if i &+ 16 <= count {
                    let chunk = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<UInt8>.self)
                    let punctuation = (chunk .== dash) .| (chunk .== colon) .| (chunk .== equals) .| (chunk .== underscore)
                    let letters = (chunk .== upperA) .| (chunk .== upperB) .| (chunk .== upperJ) .| (chunk .== lowerB)
                    if !any(punctuation .| letters) {
                        i &+= 16
                        continue
                    }
                }
                let stop = min(i &+ 16, count)
                while i < stop {
                    if Self.isAnchor(base[i]), let match = match(at: i) { return match }
                    i &+= 1
                }
            }
            return nil
        }

        /// Bytes that anchor a rule, chosen to be rare in ordinary text: the `-` of `sk-`, `xoxb-`
        /// and `-----BEGIN`; the `_` of `ghp_`, `github_pat_` and `sk_live_`; the `J` of `eyJ`;
        /// the `A` of `AKIA` and `AIza`; the `B`/`b` of `Bearer` and `Basic`; the `:` of a URL or
        /// a key; the `=` of a key. `nextMatch` checks the same set sixteen bytes at a time.
        @inline(__always)
        private static func isAnchor(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "="), UInt8(ascii: "_"),
                 UInt8(ascii: "A"), UInt8(ascii: "B"), UInt8(ascii: "J"), UInt8(ascii: "b"): true
            default: false
            }
        }

        /// The rule anchored at `i`, if it matches there. A match may start before its anchor,
        /// never before `floor`.
        private func match(at i: Int) -> Match? {
            switch bytes[i] {
            case UInt8(ascii: "-"):
                token(at: i - 2) ?? token(at: i - 4) ?? privateKey(at: i) // sk-  xoxb- xapp-  -----BEGIN
            case UInt8(ascii: "_"):
                token(at: i - 3) ?? token(at: i - 6) ?? token(at: i - 2) // ghp_  github_pat_  sk_live_
            case UInt8(ascii: "J"): token(at: i - 2) // eyJ
            case UInt8(ascii: "A"): token(at: i) // AKIA  AIza
            case UInt8(ascii: "B"), UInt8(ascii: "b"): authorizationCredential(at: i)
            case UInt8(ascii: ":"): slackWebhook(at: i) ?? urlPassword(at: i) ?? keyValue(at: i)
            case UInt8(ascii: "="): keyValue(at: i)
            default: nil
            }
        }

        /// A secret that identifies itself, starting exactly at `i`. Context rules (key-value
        /// pairs, URLs, auth schemes) defer to these, which give the better hint.
        func selfIdentifying(at i: Int) -> Match? {
            token(at: i) ?? privateKey(at: i)
        }
    }
}
