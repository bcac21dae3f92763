import Foundation

/// The redaction rules. Each takes the offset of the byte that triggered it and returns the
/// secret it found there, or nil. Rules never look before `floor` (see `Scanner.floor`), and
/// every rule declines text it has already redacted, which keeps `redact` idempotent.
extension SecretRedactor.Scanner {
    // MARK: - Provider tokens

    /// A provider token or JWT starting at `i`: these identify themselves by their prefix.
    func token(at i: Int) -> Match? {
        guard i >= floor, i < bytes.count, isBoundary(before: i) else { return nil }
        switch bytes[i] {
        case UInt8(ascii: "s"): return openAIOrAnthropic(at: i) ?? stripe(at: i)
        case UInt8(ascii: "g"): return gitHub(at: i)
        case UInt8(ascii: "A"): return awsAccessKeyID(at: i) ?? googleAPIKey(at: i)
        case UInt8(ascii: "x"): return slackToken(at: i)
        case UInt8(ascii: "e"): return jwt(at: i)
        default: return nil
        }
    }

    /// `sk-…`, `sk-proj-…`, `sk-svcacct-…`, `sk-admin-…` (OpenAI) and `sk-ant-…` (Anthropic).
    /// The body must look generated, so `sk-learn-is-a-library` is left alone.
    private func openAIOrAnthropic(at i: Int) -> Match? {
        guard has("sk-", at: i) else { return nil }
        let body = i + 3
        let end = skip(from: body, while: \.isTokenCharacter)
        guard end - body >= 20, looksGenerated(body ..< end) else { return nil }
        let kind = listedEntry(in: "ant- proj- svcacct- admin-", at: body) ?? 0
        return Match(start: i, keep: 3 + kind, end: end)
    }

    /// Stripe secret keys, `sk_live_…` and `sk_test_…`.
    private func stripe(at i: Int) -> Match? {
        guard has("sk_live_", at: i) || has("sk_test_", at: i) else { return nil }
        let end = skip(from: i + 8, while: \.isAlphanumeric)
        guard end - (i + 8) >= 20 else { return nil }
        return Match(start: i, keep: 8, end: end)
    }

    /// `ghp_ gho_ ghu_ ghs_ ghr_` + 30 or more alphanumerics, and `github_pat_` tokens.
    private func gitHub(at i: Int) -> Match? {
        if has("github_pat_", at: i) {
            let end = skip(from: i + 11, while: \.isWordCharacter)
            return end - (i + 11) >= 22 ? Match(start: i, keep: 11, end: end) : nil
        }
        guard has("gh", at: i), i + 3 < bytes.count, bytes[i + 3] == UInt8(ascii: "_"),
              "pousr".utf8.contains(bytes[i + 2]) else { return nil }
        let end = skip(from: i + 4, while: \.isAlphanumeric)
        return end - (i + 4) >= 30 ? Match(start: i, keep: 4, end: end) : nil
    }

    /// AWS access key ids: a four-letter type prefix and exactly 16 of `[A-Z0-9]`, as a word.
    private func awsAccessKeyID(at i: Int) -> Match? {
        guard listedEntry(in: "AKIA ASIA ABIA ACCA AGPA AIDA AROA AIPA ANPA ANVA APKA", at: i) != nil else { return nil }
        let end = skip(from: i + 4, limit: 17) { $0.isUppercase || $0.isDigit }
        guard end == i + 20, end == bytes.count || !bytes[end].isWordCharacter else { return nil }
        return Match(start: i, keep: 4, end: end)
    }

    /// Google API keys: `AIza` and exactly 35 more characters.
    private func googleAPIKey(at i: Int) -> Match? {
        guard has("AIza", at: i) else { return nil }
        let end = skip(from: i + 4, limit: 36, while: \.isTokenCharacter)
        guard end == i + 39, end == bytes.count || !bytes[end].isTokenCharacter else { return nil }
        return Match(start: i, keep: 4, end: end)
    }

    /// Slack tokens: `xoxa- xoxb- xoxp- xoxo- xoxs- xoxr-` and app-level `xapp-` tokens.
    private func slackToken(at i: Int) -> Match? {
        let isToken = has("xapp-", at: i)
            || (has("xox", at: i) && has("-", at: i + 4) && "abposr".utf8.contains(bytes[i + 3]))
        guard isToken else { return nil }
        let end = skip(from: i + 5, while: { $0.isAlphanumeric || $0 == UInt8(ascii: "-") })
        guard end - (i + 5) >= 10, contains(i + 5 ..< end, where: \.isDigit) else { return nil }
        return Match(start: i, keep: 5, end: end)
    }

    /// JSON Web Tokens: `eyJ` header, payload and signature in base64url, each at least 10
    /// characters; further `.part`s (JWE has five) belong to the token too.
    private func jwt(at i: Int) -> Match? {
        guard has("eyJ", at: i) else { return nil }
        var end = i
        for part in 0 ..< 3 {
            let start = part == 0 ? i : end + 1
            guard part == 0 || has(".", at: end) else { return nil }
            end = skip(from: start, while: \.isTokenCharacter)
            guard end - start >= 10 else { return nil }
        }
        while end + 1 < bytes.count, bytes[end] == UInt8(ascii: "."), bytes[end + 1].isTokenCharacter {
            end = skip(from: end + 1, while: \.isTokenCharacter)
        }
        return Match(start: i, keep: 3, end: end)
    }

    // MARK: - Private keys

    /// A PEM private key, from its BEGIN line through its END line; without an END, through the
    /// end of the text. The BEGIN line is the hint. The END is found however the lines inside are
    /// separated, including by the two-character `\n` escapes of a JSON string.
    func privateKey(at i: Int) -> Match? {
        guard let headerEnd = privateKeyBoundary("-----BEGIN ", at: i),
              !has(SecretRedactor.marker, at: headerEnd) else { return nil }
        guard let end = privateKeyEnd(from: headerEnd) else {
            return Match(start: i, keep: headerEnd - i, end: bytes.count, opensKeyBlock: true)
        }
        return Match(start: i, keep: headerEnd - i, end: end)
    }

    /// The offset just after the first `-----END … PRIVATE KEY-----` at or after `start`.
    func privateKeyEnd(from start: Int) -> Int? {
        var j = start
        while j < bytes.count {
            if bytes[j] == UInt8(ascii: "-"), let end = privateKeyBoundary("-----END ", at: j) { return end }
            j += 1
        }
        return nil
    }

    /// The end of `opener` + `[A-Z ]*PRIVATE KEY` (+ ` BLOCK` for PGP) + `-----` at `i`.
    private func privateKeyBoundary(_ opener: StaticString, at i: Int) -> Int? {
        guard has(opener, at: i) else { return nil }
        let labelStart = i + opener.utf8CodeUnitCount
        let labelEnd = skip(from: labelStart, limit: 64) { $0.isUppercase || $0 == UInt8(ascii: " ") }
        guard has("-----", at: labelEnd),
              hasSuffix("PRIVATE KEY", endingAt: labelEnd) || hasSuffix("PRIVATE KEY BLOCK", endingAt: labelEnd)
        else { return nil }
        return labelEnd + 5
    }

    // MARK: - Webhooks and URLs

    /// Slack webhook URLs, `https://hooks.slack.com/services/…` (also `/workflows/`, `/triggers/`),
    /// found from the `:` of the scheme. The URL up to the path kind is the hint.
    func slackWebhook(at colon: Int) -> Match? {
        let host: StaticString = "://hooks.slack.com/"
        guard has(host, at: colon) else { return nil }
        let path = colon + host.utf8CodeUnitCount
        guard let kind = listedEntry(in: "services/ workflows/ triggers/", at: path) else { return nil }
        let body = path + kind
        let end = skip(from: body, while: { $0.isTokenCharacter || $0 == UInt8(ascii: "/") })
        return end - body >= 8 ? Match(start: colon, keep: body - colon, end: end) : nil
    }

    /// The password of `scheme://user:password@host`; the user name stays as a hint.
    func urlPassword(at colon: Int) -> Match? {
        guard colon > floor, bytes[colon - 1].isAlphanumeric, has("//", at: colon + 1) else { return nil }
        let authority = colon + 3
        var end = authority
        var at: Int?
        while end < bytes.count, !bytes[end].endsURLAuthority {
            if bytes[end] == UInt8(ascii: "@") { at = end }
            end += 1
        }
        guard let at, let separator = first(UInt8(ascii: ":"), in: authority ..< at) else { return nil }
        let password = separator + 1 ..< at
        guard !password.isEmpty, !bytes[password.lowerBound].startsPlaceholder,
              !containsMarker(password), selfIdentifying(at: password.lowerBound) == nil else { return nil }
        return Match(start: password.lowerBound, keep: 0, end: at)
    }

    // MARK: - Authorization schemes

    /// The credential after `Bearer` or `Basic` (any case); the scheme word stays as the hint.
    /// A bearer token must look generated (so `bearer tokens` is prose); a basic credential
    /// must be base64 of printable `user:password`.
    func authorizationCredential(at i: Int) -> Match? {
        guard i == floor || !bytes[i - 1].isAlphanumeric else { return nil }
        let isBearer = hasIgnoringCase("bearer ", at: i)
        guard isBearer || hasIgnoringCase("basic ", at: i) else { return nil }
        let credential = skip(from: i + (isBearer ? 7 : 6), while: { $0 == UInt8(ascii: " ") })
        guard selfIdentifying(at: credential) == nil else { return nil }
        if isBearer {
            let end = skip(from: credential, while: \.isBearerTokenCharacter)
            guard end - credential >= 8, characterClasses(credential ..< end).alphanumeric >= 2 else { return nil }
            return Match(start: credential, keep: 0, end: end)
        }
        let end = skip(from: credential, while: \.isBase64Character)
        guard end - credential >= 8, decodesToUserAndPassword(credential ..< end) else { return nil }
        return Match(start: credential, keep: 0, end: end)
    }

    /// Whether base64 `range` decodes to printable ASCII holding a `:`. Decoding stops at `=`
    /// and ignores a trailing partial group, so a prefix of a credential never matches when the
    /// whole does not (which keeps redaction idempotent).
    private func decodesToUserAndPassword(_ range: Range<Int>) -> Bool {
        var bits: UInt32 = 0
        var bitCount = 0
        var sawColon = false
        for j in range {
            guard let sextet = bytes[j].base64Value else { break }
            bits = bits << 6 | UInt32(sextet)
            bitCount += 6
            if bitCount >= 8 {
                bitCount -= 8
                let byte = UInt8(truncatingIfNeeded: bits >> UInt32(bitCount))
                guard byte >= 0x20, byte < 0x7F else { return false }
                sawColon = sawColon || byte == UInt8(ascii: ":")
            }
        }
        return sawColon
    }

    // MARK: - Key-value pairs

    /// The value of `key=value`, `key: value`, `"key": "value"`, `key="value"`, `KEY := value`
    /// and friends, when the key names a secret and the value looks random. The first two
    /// alphanumerics of the value stay as the hint.
    func keyValue(at separator: Int) -> Match? {
        guard keyNamesSecret(before: separator) else { return nil }
        var start = skip(from: separator + 1, while: \.isBlank)
        guard start < bytes.count else { return nil }
        let quote: Quote
        switch bytes[start] {
        case UInt8(ascii: "\""): quote = .double
        case UInt8(ascii: "'"): quote = .single
        case UInt8(ascii: "\\") where has("\"", at: start + 1): quote = .escapedDouble
        default: quote = .none
        }
        start += quote.openingLength
        let sample = valueEnd(from: start, quote: quote, limit: Self.valueSampleLength)
        guard sample.end - start >= 12, !bytes[start].startsPlaceholder,
              selfIdentifying(at: start) == nil, !containsMarker(start ..< sample.end),
              looksRandom(start ..< min(sample.end, start + 256)) else { return nil }
        let end = sample.isComplete ? sample.end : valueEnd(from: start, quote: quote, limit: .max).end
        let keep = skip(from: start, limit: 2, while: \.isAlphanumeric) - start
        return Match(start: start, keep: keep, end: end)
    }

    /// How far a value is read before deciding. Longer values are redacted whole when their
    /// start looks random; the limit keeps a line full of separators from being read quadratically.
    private static let valueSampleLength = 1024

    /// How a value is quoted.
    private enum Quote {
        case none, double, single
        /// `\"value\"`, a JSON string inside a JSON string.
        case escapedDouble

        var openingLength: Int {
            switch self {
            case .none: 0
            case .double, .single: 1
            case .escapedDouble: 2
            }
        }
    }

    /// Where a value starting at `start` ends, reading at most `limit` bytes; `isComplete` is
    /// false when the limit stopped the read.
    private func valueEnd(from start: Int, quote: Quote, limit: Int) -> (end: Int, isComplete: Bool) {
        var j = start
        let stop = limit >= bytes.count - start ? bytes.count : start + limit
        while j < stop {
            let byte = bytes[j]
            switch quote {
            case .none:
                if byte.endsUnquotedValue { return (j, true) }
            case .double:
                if byte == UInt8(ascii: "\"") || byte.isLineBreak { return (j, true) }
                if byte == UInt8(ascii: "\\") { j += 1 }
            case .single:
                if byte == UInt8(ascii: "'") || byte.isLineBreak { return (j, true) }
            case .escapedDouble:
                if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") || byte.isLineBreak { return (j, true) }
            }
            j += 1
        }
        return (min(j, bytes.count), stop == bytes.count)
    }

    /// Whether the key before `separator` (`=` or `:`) names a secret.
    ///
    /// Skips what may sit between key and separator: blanks, a closing quote (escaped or not)
    /// and the `:` of `:=`. Comparisons and paths (`==`, `!=`, `=>`, `::`) are not separators.
    private func keyNamesSecret(before separator: Int) -> Bool {
        let isColon = bytes[separator] == UInt8(ascii: ":")
        let next = separator + 1 < bytes.count ? bytes[separator + 1] : 0
        let previous = separator > floor ? bytes[separator - 1] : 0
        if next == UInt8(ascii: "=") || next == (isColon ? UInt8(ascii: ":") : UInt8(ascii: ">")) { return false }
        if isColon ? previous == UInt8(ascii: ":") : "=!<>".utf8.contains(previous) { return false }

        var end = separator
        if !isColon, previous == UInt8(ascii: ":") { end -= 1 }
        while end > floor, bytes[end - 1].isBlank { end -= 1 }
        if end > floor, bytes[end - 1] == UInt8(ascii: "\"") || bytes[end - 1] == UInt8(ascii: "'") {
            end -= 1
            if end > floor, bytes[end - 1] == UInt8(ascii: "\\") { end -= 1 }
        }
        var start = end
        while start > floor, end - start < 64, bytes[start - 1].isKeyCharacter { start -= 1 }
        return start < end && namesSecret(start ..< end)
    }

    /// Whether a key's last word (split on `_ - .` and camelCase) names a secret: token,
    /// secret, password, passwd, pwd, pass, passphrase, credential(s), auth, pat, or `key` after
    /// a qualifier such as api, access, secret, private (`apiKey`, `apikey`, `API_KEY`; not
    /// `sort_key`, `monkey`). One-word compounds such as `accesstoken` and `dbpassword` count too.
    private func namesSecret(_ key: Range<Int>) -> Bool {
        let last = lastWord(of: key)
        guard last.count >= 3,
              Self.keyEndingFilter & Self.endingBit(bytes[last.upperBound - 2], bytes[last.upperBound - 1]) != 0
        else { return false }
        if isListed(last, in: Self.secretNames) { return true }
        if let ending = listedSuffix(of: last, in: Self.secretNameEndings), last.count > ending { return true }
        guard listedSuffix(of: last, in: "key") != nil else { return false }
        let qualifier = last.count > 3
            ? last.lowerBound ..< last.upperBound - 3
            : lastWord(of: key.lowerBound ..< skipBackward(from: last.lowerBound, to: key.lowerBound))
        return isListed(qualifier, in: Self.keyQualifiers)
    }

    /// Last words of a key that name a secret.
    private static let secretNames: StaticString =
        "token secret password passwd pwd pass passphrase credential credentials auth pat"

    /// Endings of one-word compounds that name a secret (`accesstoken`, `dbpassword`).
    private static let secretNameEndings: StaticString = "token secret password passwd"

    /// Words that make `key` name a secret when they come right before it.
    private static let keyQualifiers: StaticString = """
        api access secret private auth signing encryption master client app account service \
        license deploy admin shared webhook session subscription consumer
        """

    /// A 64-bit Bloom filter of the last two letters of every word that can end a secret's key
    /// name, so most keys (`kind`, `text`, `agent`) are rejected without reading the lists.
    private static let keyEndingFilter: UInt64 = {
        var filter: UInt64 = 0
        for list in [secretNames, secretNameEndings, "key"] {
            forEachEntry(of: list) { entry in
                filter |= endingBit(entry[entry.count - 2], entry[entry.count - 1])
                return false
            }
        }
        return filter
    }()

    private static func endingBit(_ penultimate: UInt8, _ last: UInt8) -> UInt64 {
        1 << (UInt64(penultimate | 0x20) &* 7 &+ UInt64(last | 0x20) & 63)
    }

    /// The last word of `key`, split on non-alphanumerics and camelCase: `apiKey` and
    /// `APIKey` end in `Key`, `OAuth2Token` in `Token`.
    private func lastWord(of key: Range<Int>) -> Range<Int> {
        let end = skipBackward(from: key.upperBound, to: key.lowerBound)
        var start = end
        while start > key.lowerBound, bytes[start - 1].isAlphanumeric {
            let camelCaseBoundary = start < end && bytes[start].isUppercase
                && (!bytes[start - 1].isUppercase || (start + 1 < end && bytes[start + 1].isLowercase))
            if camelCaseBoundary { break }
            start -= 1
        }
        return start ..< end
    }

    /// Moves back from `end` over non-alphanumerics, not past `start`.
    private func skipBackward(from end: Int, to start: Int) -> Int {
        var end = end
        while end > start, !bytes[end - 1].isAlphanumeric { end -= 1 }
        return end
    }

    // MARK: - Randomness

    /// Whether a token body looks machine-generated: it has a digit, or both letter cases.
    private func looksGenerated(_ range: Range<Int>) -> Bool {
        let classes = characterClasses(range)
        return classes.digit || (classes.lower && classes.upper)
    }

    /// Whether a value looks like a secret rather than a word, number or setting: Shannon
    /// entropy of at least 3 bits per byte and more than one character class, or a long value
    /// of one class with at least 3.5 bits (a passphrase of lowercase words).
    private func looksRandom(_ range: Range<Int>) -> Bool {
        let entropy = shannonEntropy(range)
        let classes = characterClasses(range)
        return entropy >= 3.0 && (classes.count >= 2 || (range.count >= 20 && entropy >= 3.5))
    }

    private func shannonEntropy(_ range: Range<Int>) -> Double {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 256) { counts in
            counts.initialize(repeating: 0)
            for j in range { counts[Int(bytes[j])] += 1 }
            let total = Double(range.count)
            var entropy = 0.0
            for count in counts where count > 0 {
                let p = Double(count) / total
                entropy -= p * log2(p)
            }
            return entropy
        }
    }

    private struct CharacterClasses {
        var lower = false, upper = false, digit = false, other = false
        var alphanumeric: Int { (lower ? 1 : 0) + (upper ? 1 : 0) + (digit ? 1 : 0) }
        var count: Int { alphanumeric + (other ? 1 : 0) }
    }

    private func characterClasses(_ range: Range<Int>) -> CharacterClasses {
        var classes = CharacterClasses()
        for j in range {
            let byte = bytes[j]
            if byte.isLowercase { classes.lower = true }
            else if byte.isUppercase { classes.upper = true }
            else if byte.isDigit { classes.digit = true }
            else { classes.other = true }
        }
        return classes
    }

    // MARK: - Byte helpers

    /// A token can start at `i`: it is where scanning resumed, or follows no token character.
    private func isBoundary(before i: Int) -> Bool {
        i == floor || !bytes[i - 1].isTokenCharacter
    }

    /// The literal's bytes are at `i`.
    func has(_ literal: StaticString, at i: Int) -> Bool {
        has(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount), at: i)
    }

    private func has(_ expected: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        guard i >= 0, expected.count <= bytes.count - i else { return false }
        for k in 0 ..< expected.count where bytes[i + k] != expected[k] { return false }
        return true
    }

    /// The literal (lowercase) is at `i`, in any case.
    private func hasIgnoringCase(_ literal: StaticString, at i: Int) -> Bool {
        hasIgnoringCase(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount), at: i)
    }

    private func hasIgnoringCase(_ expected: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        guard i >= 0, expected.count <= bytes.count - i else { return false }
        for k in 0 ..< expected.count {
            let byte = bytes[i + k]
            if byte != expected[k], byte | 0x20 != expected[k] || !byte.isUppercase { return false }
        }
        return true
    }

    private func hasSuffix(_ literal: StaticString, endingAt end: Int) -> Bool {
        has(literal, at: end - literal.utf8CodeUnitCount)
    }

    // MARK: - Word lists

    /// The length of the first entry of `list` (space-separated) whose bytes are at `i`.
    private func listedEntry(in list: StaticString, at i: Int) -> Int? {
        firstEntry(of: list) { has($0, at: i) }
    }

    /// Whether `word` is an entry of `list` (lowercase, space-separated), in any case.
    private func isListed(_ word: Range<Int>, in list: StaticString) -> Bool {
        firstEntry(of: list) { $0.count == word.count && hasIgnoringCase($0, at: word.lowerBound) } != nil
    }

    /// The length of an entry of `list` (lowercase, space-separated) that `word` ends with, in any case.
    private func listedSuffix(of word: Range<Int>, in list: StaticString) -> Int? {
        firstEntry(of: list) { $0.count <= word.count && hasIgnoringCase($0, at: word.upperBound - $0.count) }
    }

    /// The length of the first entry of a space-separated list that satisfies `predicate`.
    /// Lists are static strings, so a lookup costs no allocation and no reference counting.
    @inline(__always)
    private func firstEntry(of list: StaticString, where predicate: (UnsafeBufferPointer<UInt8>) -> Bool) -> Int? {
        var found: Int?
        Self.forEachEntry(of: list) { entry in
            if predicate(entry) { found = entry.count }
            return found != nil
        }
        return found
    }

    /// Calls `body` with each entry of a space-separated list until it returns true.
    @inline(__always)
    private static func forEachEntry(of list: StaticString, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) {
        let text = list.utf8Start
        let count = list.utf8CodeUnitCount
        var start = 0
        while start < count {
            var end = start
            while end < count, text[end] != UInt8(ascii: " ") { end += 1 }
            if end > start, body(UnsafeBufferPointer(start: text + start, count: end - start)) { return }
            start = end + 1
        }
    }

    private func containsMarker(_ range: Range<Int>) -> Bool {
        range.contains { bytes[$0] == 0xE2 && has(SecretRedactor.marker, at: $0) }
    }

    private func contains(_ range: Range<Int>, where predicate: (UInt8) -> Bool) -> Bool {
        range.contains { predicate(bytes[$0]) }
    }

    private func first(_ byte: UInt8, in range: Range<Int>) -> Int? {
        range.first { bytes[$0] == byte }
    }

    /// The offset of the first byte at or after `start` that fails `predicate`, reading at
    /// most `limit` bytes.
    @inline(__always)
    private func skip(from start: Int, limit: Int = .max, while predicate: (UInt8) -> Bool) -> Int {
        let stop = limit >= bytes.count - start ? bytes.count : start + limit
        var j = start
        while j < stop, predicate(bytes[j]) { j += 1 }
        return j
    }
}

// MARK: - Character classes

extension UInt8 {
    fileprivate var isDigit: Bool { self &- 0x30 < 10 }
    fileprivate var isUppercase: Bool { self &- 0x41 < 26 }
    fileprivate var isLowercase: Bool { self &- 0x61 < 26 }
    fileprivate var isAlphanumeric: Bool { isDigit || isUppercase || isLowercase }
    /// `[A-Za-z0-9_]`, a regex word character.
    fileprivate var isWordCharacter: Bool { isAlphanumeric || self == UInt8(ascii: "_") }
    /// `[A-Za-z0-9_-]`: the body of most tokens, and base64url.
    fileprivate var isTokenCharacter: Bool { isWordCharacter || self == UInt8(ascii: "-") }
    /// RFC 6750 b64token characters.
    fileprivate var isBearerTokenCharacter: Bool {
        switch self {
        case UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="): true
        default: isTokenCharacter
        }
    }

    fileprivate var isBase64Character: Bool {
        isAlphanumeric || self == UInt8(ascii: "+") || self == UInt8(ascii: "/") || self == UInt8(ascii: "=")
    }

    /// Characters of a configuration key name.
    fileprivate var isKeyCharacter: Bool { isTokenCharacter || self == UInt8(ascii: ".") }
    fileprivate var isBlank: Bool { self == UInt8(ascii: " ") || self == UInt8(ascii: "\t") }
    fileprivate var isLineBreak: Bool { self == UInt8(ascii: "\n") || self == UInt8(ascii: "\r") }

    /// Ends an unquoted value: whitespace, controls, quotes, `,` `&` `;` `}` and `\`.
    fileprivate var endsUnquotedValue: Bool {
        switch self {
        case 0 ... 0x20, 0x7F, UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`"), UInt8(ascii: ","),
             UInt8(ascii: "&"), UInt8(ascii: ";"), UInt8(ascii: "}"), UInt8(ascii: "\\"): true
        default: false
        }
    }

    /// Ends the authority of a URL.
    fileprivate var endsURLAuthority: Bool {
        switch self {
        case 0 ... 0x20, 0x7F, UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "\""),
             UInt8(ascii: "'"), UInt8(ascii: "`"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\\"): true
        default: false
        }
    }

    /// Starts a value that is a reference or a mask rather than a secret:
    /// `$VAR`, `${…}`, `<redacted>`, `{…}`, `[…]`, `(…)`, `/path`, `./path`, `~/path`, `****`.
    fileprivate var startsPlaceholder: Bool { "$<{[(/.~*".utf8.contains(self) }

    fileprivate var base64Value: UInt8? {
        if isUppercase { return self - 0x41 }
        if isLowercase { return self - 0x61 + 26 }
        if isDigit { return self - 0x30 + 52 }
        if self == UInt8(ascii: "+") { return 62 }
        if self == UInt8(ascii: "/") { return 63 }
        return nil
    }
}
