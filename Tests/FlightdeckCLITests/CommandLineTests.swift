import FlightdeckTestSupport
import Foundation
import Testing

/// The `flightdeck` executable as a user meets it: real processes, real files.
@Suite struct CommandLineTests {
    let flightdeck = ProductProcess("flightdeck")
    let dir = TemporaryDirectory()

    var env: [String: String] { ["FLIGHTDECK_HISTORY_DB": dir.file("history.db")] }

    @Test func helpListsTheProductsSubcommands() async throws {
        let result = try await flightdeck.run(["--help"])
        #expect(result.status == 0)
        for command in ["demo", "sim", "jobs", "logs", "submit", "manifests", "install", "doctor", "history"] {
            #expect(result.stdout.contains("  \(command)"), "help mentions \(command)")
        }
    }

    @Test func versionAndCompletionScripts() async throws {
        let version = try await flightdeck.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
        for shell in ["bash", "zsh", "fish"] {
            let script = try await flightdeck.run(["--generate-completion-script", shell])
            #expect(script.status == 0)
            #expect(script.stdout.contains("history"), "\(shell) completion knows the subcommands")
        }
    }

    /// The cockpit with no cluster to look at, and `logs` without a job: one line saying what to do.
    @Test func theCockpitWithoutAClusterAndLogsWithoutAJobSayWhatToDo() async throws {
        let cockpit = try await flightdeck.run([], environment: env)
        #expect(cockpit.status == 1)
        #expect(cockpit.stderr.contains("run `flightdeck sim` for a local cluster"), "\(cockpit.stderr)")
        #expect(cockpit.stderr.split(separator: "\n").count == 1, "one line: \(cockpit.stderr)")
        let logs = try await flightdeck.run(["logs"], environment: env)
        #expect(logs.status == 64)
        #expect(logs.stderr.hasPrefix("flightdeck: Missing expected argument '<job>'"))
        #expect(logs.stderr.split(separator: "\n").count == 1, "one line: \(logs.stderr)")
    }

    @Test func anUnknownFlagIsAUsageError() async throws {
        let result = try await flightdeck.run(["history", "jobs", "--colour", "pink"], environment: env)
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("flightdeck: Unknown option '--colour'"))
        #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
    }

    @Test func invalidOptionValuesAreOneLineErrors() async throws {
        for arguments in [
            ["history", "prune"], ["history", "jobs", "--status", "sleeping"], ["history", "jobs", "--limit", "many"],
            ["history", "import", "--job", "has space", "/dev/null"], ["history", "import", "/dev/null"],
            ["demo", "--plain", "--agent-runtime", "perl"], ["sim", "--agent-runtime", "java"],
            // A named interpreter that is none: said, not passed over for simulated agents.
            ["demo", "--plain", "--duration", "1", "--data-dir", dir.file("demo")],
        ] {
            let result = try await flightdeck.run(arguments,
                environment: env.merging(["FLIGHTDECK_AGENT_PYTHON": dir.file("no-python")]) { $1 })
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.hasPrefix("flightdeck: "), "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
        }
    }

    @Test func importsListsAndChecksHistory() async throws {
        let file = dir.file("run.log")
        let lines = [
            #"{"ts":"2026-11-29T04:00:00Z","kind":"thought","phase":"STRATEGIC","text":"plan the fix"}"#,
            "plain output line",
            #"{"ts":"2026-11-29T04:00:01Z","kind":"action","tool":"execute","args":{"command":"pytest"}}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let imported = try await flightdeck.run(["history", "import", "--job", "run1", file], environment: env)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("3 records"))
        let again = try await flightdeck.run(["history", "import", "--job", "run1", file], environment: env)
        #expect(again.stdout.contains("3 records"), "importing twice stores once")

        let jobs = try await flightdeck.run(["history", "jobs"], environment: env)
        #expect(jobs.status == 0)
        #expect(jobs.stdout.contains("run1"))
        let json = try await flightdeck.run(["history", "jobs", "-o", "json"], environment: env)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["id"] as? String == "run1")

        let check = try await flightdeck.run(["history", "check"], environment: env)
        #expect(check.status == 0)
        #expect(check.stdout.hasPrefix("ok"))
        #expect(await SQLiteProbe.scalar(dir.file("history.db"), "SELECT group_concat(kind) FROM trace") == "thought,message,action")
    }

    @Test func aCorruptHistoryIsOneLineAndLeftAlone() async throws {
        let path = dir.file("history.db")
        let garbage = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        try garbage.write(to: URL(fileURLWithPath: path))
        for arguments in [["history", "jobs"], ["history", "check"], ["history", "import", "--job", "x", "/dev/null"]] {
            let result = try await flightdeck.run(arguments, environment: env)
            #expect(result.status == 1)
            #expect(result.stderr.hasPrefix("flightdeck: history database \(path) is damaged"))
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
    }

    @Test func aMissingHistoryIsAClearErrorForReaders() async throws {
        let result = try await flightdeck.run(["history", "jobs"], environment: env)
        #expect(result.status == 1)
        #expect(result.stderr.contains("no history has been recorded there yet"))
        #expect(!FileManager.default.fileExists(atPath: dir.file("history.db")), "a read creates nothing")
    }

    @Test func theHistoryPathFollowsFlagThenEnvironmentThenXDG() async throws {
        let flag = try await flightdeck.run(["history", "path", "--history-db", "/srv/h.db"], environment: env)
        #expect(flag.stdout == "/srv/h.db\n")
        let fromEnv = try await flightdeck.run(["history", "path"], environment: env)
        #expect(fromEnv.stdout == dir.file("history.db") + "\n")
        let xdg = try await flightdeck.run(["history", "path"], environment: ["FLIGHTDECK_HISTORY_DB": "", "XDG_DATA_HOME": "/data"])
        #expect(xdg.stdout == "/data/flightdeck/history.db\n")
    }

    @Test func doctorReportsLibrariesAndHistory() async throws {
        let result = try await flightdeck.run(["doctor"], environment: env)
        // 0, or 2 when the worst is a warning (no kubeconfig on a build machine is one).
        #expect(result.status == 0 || result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.isEmpty)
        for name in ["ncursesw", "libcurl", "sqlite", "history"] { #expect(result.stdout.contains(name)) }
        // The agent runtime: found in this checkout when prepared, else said how to get it.
        let runtime = try #require(result.stdout.split(separator: "\n").first { $0.contains(" agents ") })
        if AgentRuntimeVenv.python != nil {
            #expect(runtime.contains("flightdeck-agent/.venv/bin/python"), "\(runtime)")
        }
        let missing = try await flightdeck.run(["doctor"], environment: env.merging(["FLIGHTDECK_AGENT_PYTHON": "/nope/python"]) { $1 })
        #expect(missing.stdout.contains("FLIGHTDECK_AGENT_PYTHON=/nope/python is not an executable interpreter"), "\(missing.stdout)")
    }

    /// Which themes the cockpit finds, and where: `$FLIGHTDECK_THEMES`, this checkout's themes/
    /// (found from the built binary's path) and the user's directory. The Debian package's
    /// /usr/share/flightdeck/themes is checked where it is installed, by script/test-package.
    @Test func doctorSaysWhichThemesItFindsAndWhere() async throws {
        let extra = dir.file("extra")
        let user = dir.file("xdg") + "/flightdeck/themes"
        for directory in [extra, user] { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        try "base: {}\n".write(toFile: extra + "/mine.yaml", atomically: true, encoding: .utf8)
        try "base: {}\n".write(toFile: user + "/own.yaml", atomically: true, encoding: .utf8)
        try "not a theme\n".write(toFile: user + "/notes.txt", atomically: true, encoding: .utf8)
        let result = try await flightdeck.run(["doctor"],
            environment: env.merging(["FLIGHTDECK_THEMES": extra, "XDG_CONFIG_HOME": dir.file("xdg")]) { $1 })
        let line = try #require(result.stdout.split(separator: "\n").first { $0.contains(" themes ") }.map(String.init))
        #expect(line.hasPrefix("✓") || line.hasPrefix("ok"), "\(line)")
        #expect(line.contains("mine in \(extra)"), "\(line)")
        let shipped = TracePipelineTests.root.appendingPathComponent("themes").path
        #expect(line.contains("dark, high-contrast, light, monochrome in \(shipped)"), "\(line)")
        #expect(line.contains("own in \(user)") && !line.contains("notes"), "\(line)")
    }
}
