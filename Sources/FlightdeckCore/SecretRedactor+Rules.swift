import Foundation

/// The redaction rules. Each takes an offset (its anchor byte, or where a token would start)
/// and returns the secret found there, or nil. Rules never look before `floor` (see
/// `Scanner.floor`), and every rule declines text it has already redacted (a hint alone is too
/// short to match again, a marker ends or disqualifies a value), which keeps `redact` idempotent.
extension SecretRedactor.Scanner {
    // MARK: - Provider tokens

    /// A provider token or JWT starting at `i`: these identify themselves by their prefix.
    func token(at i: Int) -> Match? {
        guard i >= floor, i < bytes.count, ByteClass.startsToken(bytes[i]), isBoundary(before: i) else { return nil }
        switch bytes[i] {
        case UInt8(ascii: "s"): return openAIOrAnthropic(at: i) ?? stripe(at: i)
        case UInt8(ascii: "g"): return gitHub(at: i)
        case UInt8(ascii: "A"): return awsAccessKeyID(at: i) ?? googleAPIKey(at: i)
        case UInt8(ascii: "x"): return slackToken(at: i)
        default: return jwt(at: i)
        }
    }

    /// `sk-…`, `sk-proj-…`, `sk-svcacct-…`, `sk-admin-…` (OpenAI) and `sk-ant-…` (Anthropic).
    /// The body must look generated, so `sk-learn-is-a-library` is left alone.
    private func openAIOrAnthropic(at i: Int) -> Match? {
        guard has("sk-", at: i) else { return nil }
        let body = i + 3
        let end = skip(from: body, while: ByteClass.isTokenCharacter)
        guard end - body >= 20, looksGenerated(body ..< end) else { return nil }
        let kind = listedEntry(in: "ant- proj- svcacct- admin-", at: body) ?? 0
        return Match(start: i, keep: 3 + kind, end: end)
    }

    /// Stripe secret keys, `sk_live_…` and `sk_test_…`.
    private func stripe(at i: Int) -> Match? {
        guard has("sk_live_", at: i) || has("sk_test_", at: i) else { return nil }
        let end = skip(from: i + 8, while: ByteClass.isAlphanumeric)
        guard end - (i + 8) >= 20 else { return nil }
        return Match(start: i, keep: 8, end: end)
    }

    /// `ghp_ gho_ ghu_ ghs_ ghr_` + 30 or more alphanumerics, and `github_pat_` tokens.
    private func gitHub(at i: Int) -> Match? {
        if has("github_pat_", at: i) {
            let end = skip(from: i + 11, while: ByteClass.isWordCharacter)
            return end - (i + 11) >= 22 ? Match(start: i, keep: 11, end: end) : nil
        }
        guard has("gh", at: i), i + 3 < bytes.count, bytes[i + 3] == UInt8(ascii: "_"),
              "pousr".utf8.contains(bytes[i + 2]) else { return nil }
        let end = skip(from: i + 4, while: ByteClass.isAlphanumeric)
        return end - (i + 4) >= 30 ? Match(start: i, keep: 4, end: end) : nil
    }

    /// AWS access key ids: a four-letter type prefix and exactly 16 of `[A-Z0-9]`, as a word.
    private func awsAccessKeyID(at i: Int) -> Match? {
        guard has("A", at: i + 3),
              listedEntry(in: "AKIA ASIA ABIA ACCA AGPA AIDA AROA AIPA ANPA ANVA APKA", at: i) != nil
        else { return nil }
        let end = skip(from: i + 4, limit: 17) { ByteClass.isUppercase($0) || ByteClass.isDigit($0) }
        guard end == i + 20, end == bytes.count || !ByteClass.isWordCharacter(bytes[end]) else { return nil }
        return Match(start: i, keep: 4, end: end)
    }

    /// Google API keys: `AIza` and exactly 35 more characters.
    private func googleAPIKey(at i: Int) -> Match? {
        guard has("AIza", at: i) else { return nil }
        let end = skip(from: i + 4, limit: 36, while: ByteClass.isTokenCharacter)
        guard end == i + 39, end == bytes.count || !ByteClass.isTokenCharacter(bytes[end]) else { return nil }
        return Match(start: i, keep: 4, end: end)
    }

    /// Slack tokens: `xoxa- xoxb- xoxp- xoxo- xoxs- xoxr-` and app-level `xapp-` tokens.
    private func slackToken(at i: Int) -> Match? {
        let isToken = has("xapp-", at: i)
            || (has("xox", at: i) && has("-", at: i + 4) && "abposr".utf8.contains(bytes[i + 3]))
        guard isToken else { return nil }
        let end = skip(from: i + 5, while: { ByteClass.isAlphanumeric($0) || $0 == UInt8(ascii: "-") })
        guard end - (i + 5) >= 10, contains(i + 5 ..< end, where: ByteClass.isDigit) else { return nil }
        return Match(start: i, keep: 5, end: end)
    }

    /// NATS NKey seeds, the private half of a NATS identity (a `.creds` file holds one):
    /// `SUA…` (user), `SAA…` (account), `SOA…` (operator), 58 base32 characters in all — the
    /// encoding makes the third always `A`, the anchor. The role stays as the hint.
    func nkeySeed(at i: Int) -> Match? {
        guard i >= floor, i + 58 <= bytes.count, bytes[i] == UInt8(ascii: "S"), bytes[i + 2] == UInt8(ascii: "A"),
              "UAO".utf8.contains(bytes[i + 1]), isBoundary(before: i) else { return nil }
        let end = skip(from: i, limit: 59) { ByteClass.isUppercase($0) || (UInt8(ascii: "2")...UInt8(ascii: "7")).contains($0) }
        guard end == i + 58, end == bytes.count || !ByteClass.isTokenCharacter(bytes[end]) else { return nil }
        return Match(start: i, keep: 2, end: end)
    }

    /// JSON Web Tokens: `eyJ` header, payload and signature in base64url, each at least 10
    /// characters; further `.part`s (JWE has five) belong to the token too.
    private func jwt(at i: Int) -> Match? {
        guard has("eyJ", at: i) else { return nil }
        var end = i
        for part in 0 ..< 3 {
            let start = part == 0 ? i : end + 1
            guard part == 0 || has(".", at: end) else { return nil }
            end = skip(from: start, while: ByteClass.isTokenCharacter)
            guard end - start >= 10 else { return nil }
        }
        while end + 1 < bytes.count, bytes[end] == UInt8(ascii: "."), ByteClass.isTokenCharacter(bytes[end + 1]) {
            end = skip(from: end + 1, while: ByteClass.isTokenCharacter)
        }
        return Match(start: i, keep: 3, end: end)
    }

    // MARK: - Private keys

    /// A PEM private key, from its BEGIN line through its END line; without an END, through the
    /// end of the text (or up to the next BEGIN line, which starts a key of its own). The BEGIN
    /// line is the hint. The END is found however the lines inside are separated, including by
    /// the two-character `\n` escapes of a JSON string.
    func privateKey(at i: Int) -> Match? {
        guard let headerEnd = privateKeyBoundary("-----BEGIN ", at: i),
              !has(SecretRedactor.marker, at: headerEnd) else { return nil }
        var j = headerEnd
        while j < bytes.count {
            if bytes[j] == UInt8(ascii: "-") {
                if let end = privateKeyBoundary("-----END ", at: j) {
                    return Match(start: i, keep: headerEnd - i, end: end)
                }
                if privateKeyBoundary("-----BEGIN ", at: j) != nil {
                    return Match(start: i, keep: headerEnd - i, end: j)
                }
            }
            j += 1
        }
        return Match(start: i, keep: headerEnd - i, end: bytes.count, opensKeyBlock: true)
    }

    /// A context rule's match (a value, credential or password), cut short where a private key
    /// begins inside it. A value can run into a BEGIN line (`password=x-----BEGIN RSA PRIVATE
    /// KEY-----`) and end inside its header, which would hide the header from the private-key
    /// rule and leak the key; cut here, the key is matched on its own next.
    private func endingBeforePrivateKey(_ match: Match) -> Match {
        var j = match.start + 1
        while j < match.end {
            if bytes[j] == UInt8(ascii: "-"), privateKeyBoundary("-----BEGIN ", at: j) != nil {
                return Match(start: match.start, keep: min(match.keep, j - match.start), end: j)
            }
            j += 1
        }
        return match
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
        let labelEnd = skip(from: labelStart, limit: 64) { ByteClass.isUppercase($0) || $0 == UInt8(ascii: " ") }
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
        let end = skip(from: body, while: { ByteClass.isTokenCharacter($0) || $0 == UInt8(ascii: "/") })
        return end - body >= 8 ? Match(start: colon, keep: body - colon, end: end) : nil
    }

    /// The password of `scheme://user:password@host`; the user name stays as a hint, unless it
    /// holds a secret itself (`https://ghp_…:x-oauth-basic@github.com`), when the whole user
    /// info goes. The match starts after the anchor, so the user name must be checked here.
    func urlPassword(at colon: Int) -> Match? {
        guard colon > floor, ByteClass.isAlphanumeric(bytes[colon - 1]), has("//", at: colon + 1) else { return nil }
        let authority = colon + 3
        var end = authority
        var at: Int?
        while end < bytes.count, !ByteClass.endsURLAuthority(bytes[end]) {
            if bytes[end] == UInt8(ascii: "@") { at = end }
            end += 1
        }
        guard let at, let separator = first(UInt8(ascii: ":"), in: authority ..< at) else { return nil }
        let password = separator + 1 ..< at
        guard !password.isEmpty, !ByteClass.startsPlaceholder(bytes[password.lowerBound]),
              !containsMarker(password), selfIdentifying(at: password.lowerBound) == nil else { return nil }
        let user = SecretRedactor.Scanner(bytes: UnsafeBufferPointer(rebasing: bytes[..<separator]), floor: authority)
        let start = user.nextMatch() == nil ? password.lowerBound : authority
        return endingBeforePrivateKey(Match(start: start, keep: 0, end: at))
    }

    // MARK: - Authorization schemes

    /// The credential after `Bearer` or `Basic` (any case); the scheme word stays as the hint,
    /// or the credential's own when it identifies itself (`Bearer eyJ…[redacted]`). A bearer
    /// token must look generated (so `bearer tokens` is prose); a basic credential must be
    /// base64 of printable `user:password`.
    func authorizationCredential(at i: Int) -> Match? {
        guard i == floor || !ByteClass.isAlphanumeric(bytes[i - 1]) else { return nil }
        let isBearer = hasIgnoringCase("bearer ", at: i)
        guard isBearer || hasIgnoringCase("basic ", at: i) else { return nil }
        let credential = skip(from: i + (isBearer ? 7 : 6), while: { $0 == UInt8(ascii: " ") })
        if let typed = selfIdentifying(at: credential) { return typed }
        let isCredentialCharacter = isBearer ? ByteClass.isBearerTokenCharacter : ByteClass.isBase64Character
        let body = skip(from: credential, while: isCredentialCharacter)
        let end = skip(from: body, while: { $0 == UInt8(ascii: "=") }) // padding ends the credential
        if isBearer {
            guard end - credential >= 8, characterClasses(credential ..< end).alphanumeric >= 2 else { return nil }
        } else {
            guard end - credential >= 8, decodesToUserAndPassword(credential ..< end) else { return nil }
        }
        return endingBeforePrivateKey(Match(start: credential, keep: 0, end: end))
    }

    /// Whether base64 `range` decodes to printable ASCII holding a `:`. Decoding stops at `=`
    /// and ignores a trailing partial group, so a prefix of a credential never matches when the
    /// whole does not (which keeps redaction idempotent).
    private func decodesToUserAndPassword(_ range: Range<Int>) -> Bool {
        var bits: UInt32 = 0
        var bitCount = 0
        var sawColon = false
        for j in range {
            guard let sextet = ByteClass.base64Value(bytes[j]) else { break }
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
    /// alphanumerics of the value stay as the hint; a value that identifies itself
    /// (`OPENAI_API_KEY=sk-proj-…`) is matched by its own rule, which gives the better hint.
    func keyValue(at separator: Int) -> Match? {
        guard keyNamesSecret(before: separator) else { return nil }
        var start = skip(from: separator + 1, while: ByteClass.isBlank)
        guard start < bytes.count else { return nil }
        let quote: Quote
        switch bytes[start] {
        case UInt8(ascii: "\""): quote = .double
        case UInt8(ascii: "'"): quote = .single
        case UInt8(ascii: "\\") where has("\"", at: start + 1): quote = .escapedDouble
        default: quote = .none
        }
        start += quote.openingLength
        if let typed = selfIdentifying(at: start) { return typed }
        let sample = valueEnd(from: start, quote: quote, limit: Self.valueSampleLength)
        guard sample.end - start >= 12, !ByteClass.startsPlaceholder(bytes[start]),
              !containsMarker(start ..< sample.end), looksRandom(start ..< sample.end) else { return nil }
        let end = sample.isComplete ? sample.end : valueEnd(from: start, quote: quote, limit: .max).end
        let keep = skip(from: start, limit: 2, while: ByteClass.isAlphanumeric) - start
        return endingBeforePrivateKey(Match(start: start, keep: keep, end: end))
    }

    /// How much of a value is read to decide whether it is a secret: enough to judge randomness.
    /// A longer value is then redacted whole; the limit keeps a line full of separators (each
    /// starting a value that is declined) from being read quadratically.
    private static let valueSampleLength = 64

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
                if ByteClass.endsUnquotedValue(byte) { return (j, true) }
            case .double:
                if byte == UInt8(ascii: "\"") || ByteClass.isLineBreak(byte) { return (j, true) }
                if byte == UInt8(ascii: "\\") { j += 1 }
            case .single:
                if byte == UInt8(ascii: "'") || ByteClass.isLineBreak(byte) { return (j, true) }
            case .escapedDouble:
                let closes = byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"")
                if closes || ByteClass.isLineBreak(byte) { return (j, true) }
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
        let comparison = previous == UInt8(ascii: "=") || previous == UInt8(ascii: "!")
            || previous == UInt8(ascii: "<") || previous == UInt8(ascii: ">")
        if isColon ? previous == UInt8(ascii: ":") : comparison { return false }

        var end = separator
        if !isColon, previous == UInt8(ascii: ":") { end -= 1 }
        while end > floor, ByteClass.isBlank(bytes[end - 1]) { end -= 1 }
        if end > floor, bytes[end - 1] == UInt8(ascii: "\"") || bytes[end - 1] == UInt8(ascii: "'") {
            end -= 1
            if end > floor, bytes[end - 1] == UInt8(ascii: "\\") { end -= 1 }
        }
        guard end - 2 >= floor, ByteClass.mayEndSecretName(bytes[end - 2], bytes[end - 1]) else { return false }
        var start = end
        while start > floor, end - start < 64, ByteClass.isKeyCharacter(bytes[start - 1]),
              !isJSONEscape(at: start - 1) {
            start -= 1
        }
        return start < end && namesSecret(start ..< end)
    }

    /// Whether a key's last word (split on `_ - .` and camelCase, any case) names a secret:
    /// token, secret, password, passwd, pwd, pass, passphrase, credential(s), auth, pat, or
    /// `key` after a qualifier such as api, access, secret, private (`apiKey`, `apikey`,
    /// `API_KEY`; not `sort_key`, `monkey`). Words ending in token, secret, password or passwd
    /// count too (`accesstoken`, `dbpassword`), but not plurals (`max_tokens`).
    private func namesSecret(_ key: Range<Int>) -> Bool {
        let word = lastWord(of: key)
        guard word.count >= 3 else { return false }
        switch bytes[word.upperBound - 1] | 0x20 { // dispatch on the last letter, lowercased
        case UInt8(ascii: "n"): return hasSuffixIgnoringCase(word, "token")
        case UInt8(ascii: "t"): return hasSuffixIgnoringCase(word, "secret") || isWord(word, "pat")
        case UInt8(ascii: "d"):
            return hasSuffixIgnoringCase(word, "password") || hasSuffixIgnoringCase(word, "passwd")
                || isWord(word, "pwd")
        case UInt8(ascii: "s"): return isWord(word, "pass") || isWord(word, "credentials")
        case UInt8(ascii: "e"): return isWord(word, "passphrase")
        case UInt8(ascii: "l"): return isWord(word, "credential")
        case UInt8(ascii: "h"): return isWord(word, "auth")
        case UInt8(ascii: "y"):
            guard hasSuffixIgnoringCase(word, "key") else { return false }
            let qualifier = word.count > 3
                ? word.lowerBound ..< word.upperBound - 3
                : lastWord(of: key.lowerBound ..< skipBackward(from: word.lowerBound, to: key.lowerBound))
            return isListed(qualifier, in: Self.keyQualifiers)
        default: return false
        }
    }

    /// Words that make `key` name a secret when they come right before it (`api_key`) or
    /// start the same word (`apikey`).
    private static let keyQualifiers: StaticString = """
        api access secret private auth signing encryption master client app account service \
        license deploy admin shared webhook session subscription consumer tls ssh gpg pgp hmac jwt oauth
        """

    /// The last word of `key`, split on non-alphanumerics and camelCase: `apiKey` and
    /// `APIKey` end in `Key`, `OAuth2Token` in `Token`.
    private func lastWord(of key: Range<Int>) -> Range<Int> {
        let end = skipBackward(from: key.upperBound, to: key.lowerBound)
        var start = end
        while start > key.lowerBound, ByteClass.isAlphanumeric(bytes[start - 1]) {
            // A word starts at an uppercase letter after a lowercase letter or digit (`api|Key`),
            // or at the last uppercase letter of an acronym (`API|Key`).
            let startsUppercase = start < end && ByteClass.isUppercase(bytes[start])
            let followsNonUppercase = !ByteClass.isUppercase(bytes[start - 1])
            let endsAcronym = start + 1 < end && ByteClass.isLowercase(bytes[start + 1])
            if startsUppercase && (followsNonUppercase || endsAcronym) { break }
            start -= 1
        }
        return start ..< end
    }

    /// Moves back from `end` over non-alphanumerics, not past `start`.
    private func skipBackward(from end: Int, to start: Int) -> Int {
        var end = end
        while end > start, !ByteClass.isAlphanumeric(bytes[end - 1]) { end -= 1 }
        return end
    }

    // MARK: - Randomness

    /// Whether a token body looks machine-generated: it has a digit, or both letter cases.
    private func looksGenerated(_ range: Range<Int>) -> Bool {
        var lower = false, upper = false
        for j in range {
            let byte = bytes[j]
            if ByteClass.isDigit(byte) { return true }
            lower = lower || ByteClass.isLowercase(byte)
            upper = upper || ByteClass.isUppercase(byte)
            if lower && upper { return true }
        }
        return false
    }

    /// Whether a value looks like a secret rather than a word, number or setting: Shannon
    /// entropy of at least 3 bits per byte and more than one character class, or a long value
    /// of one class with at least 3.5 bits (a passphrase of lowercase words).
    private func looksRandom(_ range: Range<Int>) -> Bool {
        let entropy = shannonEntropy(range)
        let classes = characterClasses(range)
        return entropy >= 3.0 && (classes.count >= 2 || (range.count >= 20 && entropy >= 3.5))
    }

    /// Shannon entropy of `range` (a value sample), in bits per byte:
    /// `H = log2(n) - Σ c·log2(c) / n` over the byte counts `c`, with `c·log2(c)` from a table.
    private func shannonEntropy(_ range: Range<Int>) -> Double {
        assert(range.count <= Self.valueSampleLength)
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { counts in
            counts.initialize(repeating: 0)
            for j in range { counts[Int(bytes[j])] &+= 1 }
            var sum = 0.0
            for j in range where counts[Int(bytes[j])] > 0 {
                sum += Self.countTimesLog2Count[Int(counts[Int(bytes[j])])]
                counts[Int(bytes[j])] = 0
            }
            return (Self.countTimesLog2Count[range.count] - sum) / Double(range.count)
        }
    }

    /// `c·log2(c)` for every count a value sample can hold, so entropy needs no logarithm per call.
    private static let countTimesLog2Count: [Double] = (0 ... valueSampleLength).map {
        $0 == 0 ? 0 : Double($0) * log2(Double($0))
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
            if ByteClass.isLowercase(byte) { classes.lower = true }
            else if ByteClass.isUppercase(byte) { classes.upper = true }
            else if ByteClass.isDigit(byte) { classes.digit = true }
            else { classes.other = true }
        }
        return classes
    }

    // MARK: - Byte helpers

    /// A token can start at `i`: it is where scanning resumed, or follows no token character,
    /// a JSON escape (`\n`), or an escape sequence (`ESC [ 32 m` colours a token without
    /// separating it).
    private func isBoundary(before i: Int) -> Bool {
        i == floor || !ByteClass.isTokenCharacter(bytes[i - 1])
            || isJSONEscape(at: i - 1) || endsControlSequence(at: i - 1)
    }

    /// Whether the byte at `j` is the letter of a `\n`, `\r` or `\t` escape, which separates
    /// words in JSON strings and logged command output.
    private func isJSONEscape(at j: Int) -> Bool {
        j > floor && bytes[j - 1] == UInt8(ascii: "\\")
            && (bytes[j] == UInt8(ascii: "n") || bytes[j] == UInt8(ascii: "r") || bytes[j] == UInt8(ascii: "t"))
    }

    /// Whether the byte at `j` is the final byte of a CSI sequence, `ESC [` + parameters.
    private func endsControlSequence(at j: Int) -> Bool {
        guard (0x40 ... 0x7E).contains(bytes[j]) else { return false }
        var k = j - 1
        while k > floor, j - k < 32, (0x20 ... 0x3F).contains(bytes[k]) { k -= 1 }
        return k > floor && bytes[k] == UInt8(ascii: "[") && bytes[k - 1] == 0x1B
    }

    /// The literal's bytes are at `i`.
    private func has(_ literal: StaticString, at i: Int) -> Bool {
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
            if byte != expected[k], byte | 0x20 != expected[k] || !ByteClass.isUppercase(byte) { return false }
        }
        return true
    }

    private func hasSuffix(_ literal: StaticString, endingAt end: Int) -> Bool {
        has(literal, at: end - literal.utf8CodeUnitCount)
    }

    /// `word` ends with the literal (lowercase), in any case.
    private func hasSuffixIgnoringCase(_ word: Range<Int>, _ literal: StaticString) -> Bool {
        literal.utf8CodeUnitCount <= word.count
            && hasIgnoringCase(literal, at: word.upperBound - literal.utf8CodeUnitCount)
    }

    /// `word` is the literal (lowercase), in any case.
    private func isWord(_ word: Range<Int>, _ literal: StaticString) -> Bool {
        literal.utf8CodeUnitCount == word.count && hasIgnoringCase(literal, at: word.lowerBound)
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

    /// The length of the first entry of a space-separated list that satisfies `predicate`.
    /// Lists are static strings, so a lookup costs no allocation and no reference counting.
    @inline(__always)
    private func firstEntry(of list: StaticString, where predicate: (UnsafeBufferPointer<UInt8>) -> Bool) -> Int? {
        let text = list.utf8Start
        let count = list.utf8CodeUnitCount
        var start = 0
        while start < count {
            var end = start
            while end < count, text[end] != UInt8(ascii: " ") { end += 1 }
            if end > start, predicate(UnsafeBufferPointer(start: text + start, count: end - start)) {
                return end - start
            }
            start = end + 1
        }
        return nil
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

/// ASCII byte classes, as functions in a namespace rather than `UInt8` members, so they
/// cannot clash with helpers elsewhere in the module.
private enum ByteClass {
    static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    static func isUppercase(_ byte: UInt8) -> Bool { byte &- 0x41 < 26 }

    static func isLowercase(_ byte: UInt8) -> Bool { byte &- 0x61 < 26 }

    static func isAlphanumeric(_ byte: UInt8) -> Bool { isDigit(byte) || isUppercase(byte) || isLowercase(byte) }

    /// `[A-Za-z0-9_]`, a regex word character.
    static func isWordCharacter(_ byte: UInt8) -> Bool { isAlphanumeric(byte) || byte == UInt8(ascii: "_") }

    /// `[A-Za-z0-9_-]`: the body of most tokens, and base64url.
    static func isTokenCharacter(_ byte: UInt8) -> Bool { isWordCharacter(byte) || byte == UInt8(ascii: "-") }

    /// RFC 6750 b64token characters, before the `=` padding.
    static func isBearerTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"): true
        default: isTokenCharacter(byte)
        }
    }

    /// Base64 characters, before the `=` padding.
    static func isBase64Character(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/")
    }

    /// Characters of a configuration key name.
    static func isKeyCharacter(_ byte: UInt8) -> Bool { isTokenCharacter(byte) || byte == UInt8(ascii: ".") }

    static func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }

    static func isLineBreak(_ byte: UInt8) -> Bool { byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") }

    /// The first letters of provider tokens: `s`k-, `g`hp_, `A`KIA, `x`oxb-, `e`yJ.
    static func startsToken(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "s"), UInt8(ascii: "g"), UInt8(ascii: "A"), UInt8(ascii: "x"), UInt8(ascii: "e"): true
        default: false
        }
    }

    /// Whether a key ending in these two bytes may name a secret: the last two letters (any
    /// case) of the names in `namesSecret`, a quick first filter that most keys fail.
    static func mayEndSecretName(_ penultimate: UInt8, _ last: UInt8) -> Bool {
        switch (penultimate | 0x20, last | 0x20) {
        case (UInt8(ascii: "e"), UInt8(ascii: "n")), // token
             (UInt8(ascii: "e"), UInt8(ascii: "t")), // secret
             (UInt8(ascii: "a"), UInt8(ascii: "t")), // pat
             (UInt8(ascii: "r"), UInt8(ascii: "d")), // password
             (UInt8(ascii: "w"), UInt8(ascii: "d")), // passwd, pwd
             (UInt8(ascii: "s"), UInt8(ascii: "s")), // pass
             (UInt8(ascii: "s"), UInt8(ascii: "e")), // passphrase
             (UInt8(ascii: "a"), UInt8(ascii: "l")), // credential
             (UInt8(ascii: "l"), UInt8(ascii: "s")), // credentials
             (UInt8(ascii: "t"), UInt8(ascii: "h")), // auth
             (UInt8(ascii: "e"), UInt8(ascii: "y")): // key
            true
        default:
            false
        }
    }

    /// Ends an unquoted value: whitespace, controls, quotes, `,` `&` `;` `}` and `\`.
    static func endsUnquotedValue(_ byte: UInt8) -> Bool {
        switch byte {
        case 0 ... 0x20, 0x7F, UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`"), UInt8(ascii: ","),
             UInt8(ascii: "&"), UInt8(ascii: ";"), UInt8(ascii: "}"), UInt8(ascii: "\\"): true
        default: false
        }
    }

    /// Ends the authority of a URL.
    static func endsURLAuthority(_ byte: UInt8) -> Bool {
        switch byte {
        case 0 ... 0x20, 0x7F, UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "\""),
             UInt8(ascii: "'"), UInt8(ascii: "`"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\\"): true
        default: false
        }
    }

    /// Starts a value that is a reference or a mask rather than a secret:
    /// `$VAR`, `${…}`, `<redacted>`, `{…}`, `[…]`, `(…)`, `/path`, `./path`, `~/path`, `****`.
    static func startsPlaceholder(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "$"), UInt8(ascii: "<"), UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "("),
             UInt8(ascii: "/"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "*"): true
        default: false
        }
    }

    /// The six bits a base64 character stands for.
    static func base64Value(_ byte: UInt8) -> UInt8? {
        if isUppercase(byte) { return byte - 0x41 }
        if isLowercase(byte) { return byte - 0x61 + 26 }
        if isDigit(byte) { return byte - 0x30 + 52 }
        if byte == UInt8(ascii: "+") { return 62 }
        if byte == UInt8(ascii: "/") { return 63 }
        return nil
    }
}
