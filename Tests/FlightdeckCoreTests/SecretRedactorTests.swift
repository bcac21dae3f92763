import FlightdeckTestSupport
import Testing
@testable import FlightdeckCore

@Suite("SecretRedactor")
struct SecretRedactorTests {
    let redactor = SecretRedactor()

    // MARK: - Fake secrets
    //
    // Built by concatenation, so no literal that looks like a real credential sits in the repo.

    enum Fake {
        static let body = String(repeating: "aB3dE5", count: 8)
        static let openAI = "sk-" + body
        static let openAIProject = "sk-" + "proj-" + body + "_" + body
        static let openAIServiceAccount = "sk-" + "svcacct-" + body
        static let openAIAdmin = "sk-" + "admin-" + body
        static let anthropic = "sk-" + "ant-" + "api03-" + body + body + "-xY9_AA"
        static let anthropicAdmin = "sk-" + "ant-" + "admin01-" + body
        static let gitHubClassic = "ghp" + "_" + String(repeating: "Xy7Q", count: 9)
        static let gitHubFineGrained = "github" + "_pat_" + "11ABCDEFG0" + String(repeating: "a1B2", count: 3)
            + "_" + String(repeating: "Zz9x", count: 15)
        static let awsKeyID = "AK" + "IA" + "Q3ZL7XM2PD9KW4TB"
        static let awsSessionKeyID = "AS" + "IA" + "Q3ZL7XM2PD9KW4TB"
        static let slackBot = "xox" + "b-" + "123456789012-1234567890123-" + "AbCdEfGhIjKlMnOpQrStUvWx"
        static let slackApp = "xa" + "pp-" + "1-A0123456789-1234567890123-" + String(repeating: "0f", count: 16)
        static let slackWebhookPath = "T0123ABCD/B0123ABCD/" + "AbCdEfGhIjKlMnOpQrStUvWx"
        static let jwt = "eyJ" + "hbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
            + ".eyJ" + "zdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkFkYSJ9"
            + "." + String(repeating: "q7Rw_t2Y-", count: 5)
        static let randomValue = "Zq8vN2mK7pL4xR9tW3yB"
        /// NKey seeds (the Python reference's encoding of the bytes 0…31).
        static let nkeyUser = "SU" + "AAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H776Y"
        static let nkeyOperator = "SO" + "AAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H2AJA"
        static let pemBody = (0 ..< 4).map { _ in String(repeating: "MIIEowIBAAKCAQEA", count: 4) }
    }

    static func pem(_ label: String, lines: [String] = Fake.pemBody, separator: String = "\n") -> String {
        (["-----BEGIN \(label)-----"] + lines + ["-----END \(label)-----"]).joined(separator: separator)
    }

    // MARK: - Positive fixtures

    static let positives: [TextCase] = [
        // OpenAI and Anthropic
        TextCase("OpenAI legacy", "key is \(Fake.openAI) ok", "key is sk-…[redacted] ok"),
        TextCase("OpenAI project", Fake.openAIProject, "sk-proj-…[redacted]"),
        TextCase("OpenAI service account", Fake.openAIServiceAccount, "sk-svcacct-…[redacted]"),
        TextCase("OpenAI admin", Fake.openAIAdmin, "sk-admin-…[redacted]"),
        TextCase("Anthropic API key", "using \(Fake.anthropic)", "using sk-ant-…[redacted]"),
        TextCase("Anthropic admin key", Fake.anthropicAdmin, "sk-ant-…[redacted]"),
        // GitHub
        TextCase("GitHub classic PAT", "token \(Fake.gitHubClassic)", "token ghp_…[redacted]"),
        TextCase("GitHub OAuth token", "gho_" + String(repeating: "Xy7Q", count: 9), "gho_…[redacted]"),
        TextCase("GitHub user-to-server", "ghu_" + String(repeating: "Xy7Q", count: 9), "ghu_…[redacted]"),
        TextCase("GitHub server-to-server", "ghs_" + String(repeating: "Xy7Q", count: 9), "ghs_…[redacted]"),
        TextCase("GitHub refresh token", "ghr_" + String(repeating: "Xy7Q", count: 9), "ghr_…[redacted]"),
        TextCase("GitHub fine-grained PAT", Fake.gitHubFineGrained, "github_pat_…[redacted]"),
        // AWS, Google, Stripe
        TextCase("AWS access key id", "aws id \(Fake.awsKeyID).", "aws id AKIA…[redacted]."),
        TextCase("AWS session key id", Fake.awsSessionKeyID, "ASIA…[redacted]"),
        TextCase("NATS user seed", "seed \(Fake.nkeyUser) here", "seed SU…[redacted] here"),
        TextCase("NATS operator seed in a creds block", "-----BEGIN USER NKEY SEED-----\n\(Fake.nkeyOperator)\n------END",
            "-----BEGIN USER NKEY SEED-----\nSO…[redacted]\n------END"),
        TextCase("Google API key", "AI" + "za" + "Sy" + String(repeating: "A1b2C", count: 6) + "3d4", "AIza…[redacted]"),
        TextCase("Stripe secret key", "sk_" + "live_" + String(repeating: "4eC3q9Hz", count: 3), "sk_live_…[redacted]"),
        // Slack
        TextCase("Slack bot token", "SLACK=\(Fake.slackBot)", "SLACK=xoxb-…[redacted]"),
        TextCase("Slack app token", Fake.slackApp, "xapp-…[redacted]"),
        TextCase(
            "Slack webhook",
            "POST https://hooks.slack.com/services/\(Fake.slackWebhookPath) 200",
            "POST https://hooks.slack.com/services/…[redacted] 200"
        ),
        TextCase(
            "Slack workflow webhook",
            "https://hooks.slack.com/workflows/\(Fake.slackWebhookPath)",
            "https://hooks.slack.com/workflows/…[redacted]"
        ),
        TextCase(
            "Slack trigger webhook",
            "https://hooks.slack.com/triggers/\(Fake.slackWebhookPath)",
            "https://hooks.slack.com/triggers/…[redacted]"
        ),
        // JWT
        TextCase("JWT", "id_token \(Fake.jwt) expires", "id_token eyJ…[redacted] expires"),
        TextCase(
            "JWE (five parts)",
            Fake.jwt + ".eyJ" + "lbmMiOiJBMjU2R0NNIn0" + "." + "48V1_ALb6US04U3b",
            "eyJ…[redacted]"
        ),
        // Private keys
        TextCase(
            "RSA private key",
            "key:\n" + pem("RSA PRIVATE KEY") + "\ndone",
            "key:\n-----BEGIN RSA PRIVATE KEY-----…[redacted]\ndone"
        ),
        TextCase("PKCS#8 private key", pem("PRIVATE KEY"), "-----BEGIN PRIVATE KEY-----…[redacted]"),
        TextCase("encrypted private key", pem("ENCRYPTED PRIVATE KEY"), "-----BEGIN ENCRYPTED PRIVATE KEY-----…[redacted]"),
        TextCase("OpenSSH private key", pem("OPENSSH PRIVATE KEY"), "-----BEGIN OPENSSH PRIVATE KEY-----…[redacted]"),
        TextCase("EC private key", pem("EC PRIVATE KEY"), "-----BEGIN EC PRIVATE KEY-----…[redacted]"),
        TextCase("PGP private key block", pem("PGP PRIVATE KEY BLOCK"), "-----BEGIN PGP PRIVATE KEY BLOCK-----…[redacted]"),
        TextCase(
            "private key in a JSON string with \\n escapes",
            #"{"private_key": ""# + pem("PRIVATE KEY", separator: #"\n"#) + #"\n", "client_email": "a@b.c"}"#,
            #"{"private_key": "-----BEGIN PRIVATE KEY-----…[redacted]\n", "client_email": "a@b.c"}"#
        ),
        TextCase(
            "private key without END redacts to the end",
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nMIIEowIBAAKCAQEA",
            "-----BEGIN RSA PRIVATE KEY-----…[redacted]"
        ),
        // Authorization
        TextCase("Bearer token", "Authorization: Bearer abcDEF123456ghiJKL789", "Authorization: Bearer …[redacted]"),
        TextCase("lowercase bearer", "authorization: bearer 0123abcd4567efab89cd", "authorization: bearer …[redacted]"),
        TextCase(
            "Bearer JWT keeps the JWT hint",
            "-H \"Authorization: Bearer \(Fake.jwt)\"",
            "-H \"Authorization: Bearer eyJ…[redacted]\""
        ),
        TextCase(
            "Bearer provider token",
            "Authorization: Bearer \(Fake.gitHubClassic)",
            "Authorization: Bearer ghp_…[redacted]"
        ),
        TextCase(
            "Basic credentials",
            "Authorization: Basic dXNlcjpzM2NyM3QtcGFzc3dvcmQ=",
            "Authorization: Basic …[redacted]"
        ),
        TextCase(
            "Basic in a header dump",
            "> authorization: basic YWRtaW46aHVudGVyMg==\r\n",
            "> authorization: basic …[redacted]\r\n"
        ),
        // URL credentials
        TextCase(
            "database URL",
            "DATABASE_URL=postgres://app:s3cr3t-P4ss@db.internal:5432/app",
            "DATABASE_URL=postgres://app:…[redacted]@db.internal:5432/app"
        ),
        TextCase("URL with empty user", "redis://:hunter2@cache:6379/0", "redis://:…[redacted]@cache:6379/0"),
        TextCase("URL password with @", "https://bob:p@ss@example.com/x", "https://bob:…[redacted]@example.com/x"),
        TextCase(
            "git URL with a token as password",
            "https://x-access-token:\(Fake.gitHubClassic)@github.com/org/repo.git",
            "https://x-access-token:ghp_…[redacted]@github.com/org/repo.git"
        ),
        TextCase(
            "URL with a token as user name",
            "git clone https://\(Fake.gitHubClassic):x-oauth-basic@github.com/org/repo",
            "git clone https://…[redacted]@github.com/org/repo"
        ),
        // Key-value pairs
        TextCase("env assignment", "OPENAI_API_KEY=\(Fake.randomValue)", "OPENAI_API_KEY=Zq…[redacted]"),
        TextCase("export", "export DB_PASSWORD=hunter2hunter2Z9", "export DB_PASSWORD=hu…[redacted]"),
        TextCase("password with symbols", "password=Xk9#mP2!vL7q", "password=Xk…[redacted]"),
        TextCase("JSON pair", #"{"client_secret": "9f8e7d6c5b4a3f2e1d0c"}"#, #"{"client_secret": "9f…[redacted]"}"#),
        TextCase(
            "JSON pair without spaces",
            #"{"apiKey":"\#(Fake.randomValue)","n":1}"#,
            #"{"apiKey":"Zq…[redacted]","n":1}"#
        ),
        TextCase("YAML pair", "  api_key: \(Fake.randomValue)", "  api_key: Zq…[redacted]"),
        TextCase("quoted assignment", "secret=\"\(Fake.randomValue)\"", "secret=\"Zq…[redacted]\""),
        TextCase("single-quoted camelCase", "apiKey: '\(Fake.randomValue)'", "apiKey: 'Zq…[redacted]'"),
        TextCase("APIKey acronym", "APIKey=\(Fake.randomValue)", "APIKey=Zq…[redacted]"),
        TextCase("Go short declaration", "token := \"\(Fake.randomValue)\"", "token := \"Zq…[redacted]\""),
        TextCase("spaces around =", "client_secret = \(Fake.randomValue)", "client_secret = Zq…[redacted]"),
        TextCase(
            "query parameter",
            "GET /v1?access_token=\(Fake.randomValue)&page=2",
            "GET /v1?access_token=Zq…[redacted]&page=2"
        ),
        TextCase(
            "JSON inside a JSON string",
            #"{"text": "{\"password\": \"\#(Fake.randomValue)\"}"}"#,
            #"{"text": "{\"password\": \"Zq…[redacted]\"}"}"#
        ),
        TextCase("command-line flag", "--password=\(Fake.randomValue)", "--password=Zq…[redacted]"),
        TextCase("header-style key", "X-Api-Key: \(Fake.randomValue)", "X-Api-Key: Zq…[redacted]"),
        TextCase(
            "AWS secret access key",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
            "aws_secret_access_key = wJ…[redacted]"
        ),
        TextCase("passphrase of words", "passphrase: correct-horse-battery-staple", "passphrase: co…[redacted]"),
        TextCase("compound key name", "dbpassword=\(Fake.randomValue)", "dbpassword=Zq…[redacted]"),
        TextCase("auth", "_auth=\(Fake.randomValue)", "_auth=Zq…[redacted]"),
        TextCase("credentials", "credentials: \(Fake.randomValue)", "credentials: Zq…[redacted]"),
        TextCase("value starting with a symbol has no hint", "password=#\(Fake.randomValue)", "password=…[redacted]"),
        TextCase(
            "typed value keeps its typed hint",
            "OPENAI_API_KEY=\(Fake.openAIProject)",
            "OPENAI_API_KEY=sk-proj-…[redacted]"
        ),
        TextCase(
            "typed value in JSON",
            #"{"GITHUB_TOKEN": "\#(Fake.gitHubClassic)"}"#,
            #"{"GITHUB_TOKEN": "ghp_…[redacted]"}"#
        ),
        TextCase(
            "Kubernetes secret data",
            "  tls.key: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=",
            "  tls.key: LS…[redacted]"
        ),
        TextCase(
            "Docker config auth",
            #"{"auths":{"registry.example.com":{"auth":"dXNlcjpzM2NyM3QtcGFzcw=="}}}"#,
            #"{"auths":{"registry.example.com":{"auth":"dX…[redacted]"}}}"#
        ),
        // Punctuation and colour around secrets, and several in one line
        TextCase(
            "coloured by an escape sequence",
            "\u{1B}[1;32m\(Fake.openAIProject)\u{1B}[0m",
            "\u{1B}[1;32msk-proj-…[redacted]\u{1B}[0m"
        ),
        TextCase("in parentheses", "(\(Fake.openAIProject))", "(sk-proj-…[redacted])"),
        TextCase("in quotes", "'\(Fake.gitHubClassic)'", "'ghp_…[redacted]'"),
        TextCase("in brackets", "[\(Fake.awsKeyID)]", "[AKIA…[redacted]]"),
        TextCase("in angle brackets", "<\(Fake.jwt)>", "<eyJ…[redacted]>"),
        TextCase("before a semicolon", "t=\(Fake.slackBot);", "t=xoxb-…[redacted];"),
        TextCase(
            "after a JSON \\n escape",
            #"{"out": "key:\n\#(Fake.openAIProject)\n"}"#,
            #"{"out": "key:\nsk-proj-…[redacted]\n"}"#
        ),
        TextCase(
            "key after a JSON \\n escape",
            #"{"out": "a\napi_key=\#(Fake.randomValue)"}"#,
            #"{"out": "a\napi_key=Zq…[redacted]"}"#
        ),
        TextCase(
            "padding ends a Basic credential",
            "Basic dXNlcjpwYXNz==\(Fake.openAI)",
            "Basic …[redacted]sk-…[redacted]"
        ),
        TextCase(
            "value running into a private key",
            "password=x9Y8z7W6v5U4t3S2-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA\n-----END EC PRIVATE KEY-----",
            "password=x9…[redacted]-----BEGIN EC PRIVATE KEY-----…[redacted]"
        ),
        TextCase(
            "several in one line",
            "a=\(Fake.openAI) b=\(Fake.gitHubClassic) c=\(Fake.awsKeyID) d=\(Fake.jwt)",
            "a=sk-…[redacted] b=ghp_…[redacted] c=AKIA…[redacted] d=eyJ…[redacted]"
        ),
        TextCase(
            "adjacent secrets",
            "\(Fake.openAI),\(Fake.gitHubClassic)",
            "sk-…[redacted],ghp_…[redacted]"
        ),
    ]

    @Test(arguments: positives)
    func secretIsRedactedWithItsHint(_ testCase: TextCase) {
        let redacted = redactor.redact(testCase.input)
        #expect(redacted == testCase.expected)
        #expect(redactor.containsSecret(testCase.input))
        #expect(redactor.redact(redacted) == redacted, "idempotent")
        #expect(!redactor.containsSecret(redacted))
    }

    @Test func secretBodiesNeverSurvive() {
        let secrets = [
            Fake.openAI, Fake.openAIProject, Fake.anthropic, Fake.gitHubClassic, Fake.gitHubFineGrained,
            Fake.awsKeyID, Fake.slackBot, Fake.slackApp, Fake.jwt, Fake.nkeyUser,
        ]
        for secret in secrets {
            let body = String(secret.dropFirst(5))
            for template in ["%", "x %", "\"%\"", "key=%", "(%)", "Bearer %", "%\n%"] {
                let redacted = redactor.redact(template.replacingOccurrences(of: "%", with: secret))
                #expect(!redacted.contains(body), "\(template) with \(secret.prefix(8))")
            }
        }
    }

    @Test func textWithoutSecretsIsReturnedAsIs() {
        var text = String(repeating: "nothing to see here, move along: a=b ", count: 8)
        var redacted = redactor.redact(text)
        let sameStorage = text.withUTF8 { original in redacted.withUTF8 { $0.baseAddress == original.baseAddress } }
        #expect(sameStorage)
    }

    // MARK: - Negative fixtures

    static let negatives: [String] = [
        "max_tokens=4096",
        "tokens: 1234",
        #""token_count": 12"#,
        "password=",
        "secret=true",
        "api_key=None",
        #""token": "<redacted>""#,
        "key=value",
        "sort_key=created_at",
        "monkey=bananabananabanana",
        "the secret to good code is simplicity",
        "pip install scikit-learn sk-learn",
        "the task-runner-configuration-file and risk-assessment-for-deployment",
        "commit 3f9a1b2c4d5e6f708192a3b4c5d6e7f809a1b2c3",
        "request 550e8400-e29b-41d4-a716-446655440000 done",
        "ghp_short",
        "AKIAEXAMPLE",
        "SUAAAAICAMCAKBQHBAEQUCYMBUHA6EARCIJRIFIWC4MBSGQ3DQOR4H77",  // one short
        "USAGE: SUA is not a seed",
        "UAB2CB576PHBBPQ5ODORRZ2LYCMWPZGWGCN2KDK7DXOIMZASKUY3RLKK",  // a public key is not secret
        "AK" + "IA" + "Q3ZL7XM2PD9KW4TB9",
        "eyJhbGciOi",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0",
        "the blob was SGVsbG8gV29ybGQhIFRoaXMgaXMgYmFzZTY0IHRleHQ= in prose",
        "password: ********",
        "token: ${GITHUB_TOKEN}",
        "TOKEN=$(cat /run/secrets/token)",
        "GOOGLE_APPLICATION_CREDENTIALS=/var/run/secrets/google/key.json",
        "Authorization: Bearer $TOKEN",
        "Authorization: Bearer <token>",
        "use a bearer token for this endpoint",
        "Basic usage: run the tool",
        "Basic SGVsbG8gV29ybGQ=",
        "if token == \"abcdefghij0123456789\" {",
        "see https://example.com:8443/path?q=1 and http://localhost:3000",
        "mail alice@example.com or git@github.com:org/repo.git",
        "ssh://git@github.com/org/repo.git",
        "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n-----END CERTIFICATE-----",
        "-----BEGIN PUBLIC KEY-----",
        "time 12:34:56, ratio 3:1, a::b, x := y",
        "token_type: bearer",
        "xoxb-short",
        "https://hooks.slack.com/services/",
        "std::string secret = getSecret();",
        "",
    ]

    @Test(arguments: negatives)
    func ordinaryTextIsUnchanged(_ text: String) {
        #expect(redactor.redact(text) == text)
        #expect(!redactor.containsSecret(text))
    }

    // MARK: - Line streams

    @Test func privateKeyPrintedLineByLineIsRedactedThroughItsEndLine() {
        var stream = SecretRedactor.LineStream()
        let lines = ["starting", "-----BEGIN RSA PRIVATE KEY-----"] + Fake.pemBody
            + ["-----END RSA PRIVATE KEY----- trailing \(Fake.gitHubClassic)", "after"]
        let redacted = lines.map { stream.redact(line: $0) }
        #expect(redacted == [
            "starting", "-----BEGIN RSA PRIVATE KEY-----…[redacted]",
            "…[redacted]", "…[redacted]", "…[redacted]", "…[redacted]",
            "…[redacted] trailing ghp_…[redacted]", "after",
        ])
        #expect(!stream.isInsidePrivateKey)
    }

    @Test func streamTracksWhetherItIsInsideAKey() {
        var stream = SecretRedactor.LineStream()
        #expect(stream.redact(line: "key: -----BEGIN OPENSSH PRIVATE KEY-----")
            == "key: -----BEGIN OPENSSH PRIVATE KEY-----…[redacted]")
        #expect(stream.isInsidePrivateKey)
        #expect(stream.redact(line: "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ") == "…[redacted]")
        #expect(stream.redact(line: "-----END OPENSSH PRIVATE KEY-----") == "…[redacted]")
        #expect(!stream.isInsidePrivateKey)
        #expect(stream.redact(line: "plain") == "plain")
    }

    @Test func keyOnOneLineDoesNotOpenABlock() {
        var stream = SecretRedactor.LineStream()
        let line = #"{"k": ""# + Self.pem("EC PRIVATE KEY", separator: #"\n"#) + #""}"#
        #expect(stream.redact(line: line) == #"{"k": "-----BEGIN EC PRIVATE KEY-----…[redacted]"}"#)
        #expect(!stream.isInsidePrivateKey)
        #expect(stream.redact(line: "next") == "next")
    }

    @Test func blockWithoutEndIsClosedAfterTheLineLimit() {
        var stream = SecretRedactor.LineStream(maxKeyLines: 3)
        #expect(stream.redact(line: "-----BEGIN PRIVATE KEY-----") == "-----BEGIN PRIVATE KEY-----…[redacted]")
        #expect(stream.redact(line: "one") == "…[redacted]")
        #expect(stream.redact(line: "two") == "…[redacted]")
        #expect(stream.redact(line: "three") == "…[redacted]")
        #expect(stream.redact(line: "visible again") == "visible again")
    }

    @Test func endLineCanOpenTheNextBlock() {
        var stream = SecretRedactor.LineStream()
        _ = stream.redact(line: "-----BEGIN PRIVATE KEY-----")
        #expect(stream.redact(line: "-----END PRIVATE KEY----------BEGIN EC PRIVATE KEY-----")
            == "…[redacted]-----BEGIN EC PRIVATE KEY-----…[redacted]")
        #expect(stream.isInsidePrivateKey)
    }

    // MARK: - Fuzz

    /// Random text assembled from fragments that trigger every rule (prefixes, separators,
    /// quotes, key names, secrets, markers) and random bytes of any kind: redaction never
    /// crashes, is idempotent, and agrees with `containsSecret`.
    @Test func randomTextIsRedactedIdempotently() {
        var random = SeededRandom(seed: 0xF1D_DEC7)
        let fragments = [
            "sk-", "sk-proj-", "sk-ant-", "ghp_", "github_pat_", "AKIA", "AIza", "xoxb-", "xapp-", "eyJ", ".",
            "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----", "-----", "\\n",
            "Bearer ", "bearer ", "Basic ", "dXNlcjpwYXNz", "Authorization: ", "https://", "://", "@", ":", "=", ":=",
            "==", " ", "\"", "'", "\\\"", "\\", ",", "&", ";", "}", "{", "$", "<", "/",
            "token", "password", "api_key", "apiKey", "secret", "_", "-", "KEY", "key",
            "hooks.slack.com/services/", "…[redacted]", "…", "日本", "🚀", "\n", "\t",
            Fake.body, Fake.randomValue, Fake.openAI, Fake.gitHubClassic, Fake.awsKeyID, Fake.jwt, Fake.slackBot,
            "aB3", "Q3ZL7XM2PD9KW4TB", "0123456789", "abcdefghij",
        ]
        for _ in 0 ..< 4000 {
            var text = ""
            for _ in 0 ..< Int(random.next() % 24) {
                if random.next() % 6 == 0 {
                    let value = UInt32(truncatingIfNeeded: random.next() % 0x80)
                    text.unicodeScalars.append(Unicode.Scalar(value)!)
                } else {
                    text += fragments[Int(random.next() % UInt64(fragments.count))]
                }
            }
            let redacted = redactor.redact(text)
            #expect(redactor.redact(redacted) == redacted, "\(text.debugDescription)")
            #expect(redactor.containsSecret(text) == (redacted != text), "\(text.debugDescription)")
        }
    }

    /// Inputs built to make a careless scanner quadratic. How fast they go is measured by
    /// `flightdeck-bench sanitize` (speed lives in benchmarks); here they must come out
    /// redacted consistently.
    @Test(arguments: RedactorWorkloads.pathological.indices)
    func pathologicalInputIsHandled(workload: Int) {
        let input = RedactorWorkloads.pathological[workload]
        let redacted = redactor.redact(input)
        #expect(redactor.redact(redacted) == redacted, "workload \(workload): \(input.prefix(30))")
    }

}
