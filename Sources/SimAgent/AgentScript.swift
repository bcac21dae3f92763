import FlightdeckCore

/// The simulated agent's behaviour as a pure function: (seed, step) → what it thinks, which
/// tools it calls, what it observes and which files it changes.
///
/// Why pure: the runner around it does I/O (clock, files, SQLite, pacing), but what a run
/// *says* must be reproducible — the same seed tells the same story after a crash, on
/// another machine, in a test — so tests can check the content without running anything,
/// and a resumed agent re-derives the step it was on instead of storing it.
///
/// The story is a coding agent working on one objective in a small Python repository: it
/// explores, reproduces the failure, edits code, adds a test, and wraps up, with the test
/// suite failing until about 60 % of the steps and passing after. The seed picks the project,
/// the objective and every variation (commands, counts, durations, an occasional tool error).
public struct AgentScript: Sendable, Hashable {
    public let seed: UInt64
    /// Steps until the objective is met (at least 2).
    public let totalSteps: Int
    public let theme: Theme

    public init(seed: UInt64, totalSteps: Int) {
        self.seed = seed
        self.totalSteps = max(2, totalSteps)
        var random = ScriptRandom(seed: seed, stream: 0)
        theme = random.pick(Theme.all).named(project: random.pick(Theme.projects))
    }

    /// The repository the agent works in, as it is before the first step: the runner writes
    /// these files when the workspace has no `README.md` yet (a restore may have put it there).
    public var initialTree: [WorkspaceEdit] {
        let t = theme
        return [
            .write(path: "README.md", content: """
                # \(t.project)

                A small service used by the team. Run the tests with `pytest -q`.

                ## Open issue
                \(t.objective).

                """),
            .write(path: "pyproject.toml", content: """
                [project]
                name = "\(t.project)"
                version = "0.4.2"
                requires-python = ">=3.11"

                [tool.pytest.ini_options]
                testpaths = ["tests"]

                """),
            .write(path: "src/\(t.project)/__init__.py", content: "__version__ = \"0.4.2\"\n"),
            .write(path: "src/\(t.project)/\(t.module).py", content: """
                \"\"\"\(t.moduleDoc)\"\"\"


                def \(t.function)(*args, **kwargs):
                    # TODO: \(t.bug)
                    raise NotImplementedError

                """),
            .write(path: "tests/test_\(t.module).py", content: """
                from \(t.project).\(t.module) import \(t.function)


                def \(t.test)():
                    assert \(t.function)() is not None

                """),
            .write(path: "NOTES.md", content: "# Agent notes\n\nObjective: \(t.objective).\n\n"),
        ]
    }

    // MARK: - Steps

    /// What the agent does in step `index` (1-based). `instructions` are operator
    /// instructions received since the previous step: they are quoted in this step's
    /// STRATEGIC thought and shape its plan.
    public func step(_ index: Int, instructions: [String] = []) -> ScriptStep {
        var random = ScriptRandom(seed: seed, stream: UInt64(max(index, 0)) + 1)
        let stage = Stage(index: index, total: totalSteps)
        var records: [ScriptRecord] = []
        var edits: [WorkspaceEdit] = []
        let t = theme

        // STRATEGIC: plan (and take the operator's words into account).
        var plan = "Step \(index)/\(totalSteps): \(stage.plan(t, &random))"
        if !instructions.isEmpty {
            let quoted = instructions.map { "\"\($0)\"" }.joined(separator: "; ")
            plan = "Operator instruction: \(quoted). Adjusting the plan to follow it. " + plan
        }
        records.append(ScriptRecord(kind: .thought, phase: .strategic, text: plan, weight: 2))
        if index > 1, random.chance(55) {
            records.append(ScriptRecord(kind: .thought, phase: .strategic, text: stage.reflection(t, &random)))
        }

        // TACTICAL: tool calls.
        let calls = stage.calls(t, index: index, random: &random)
        for call in calls {
            records.append(ScriptRecord(kind: .action, phase: .tactical, text: call.intent, tool: call.tool,
                args: call.args, weight: 0.5))
            if let error = call.error {
                records.append(ScriptRecord(kind: .error, phase: .tactical, text: error, weight: 1))
            }
            records.append(ScriptRecord(kind: .observation, phase: .tactical, text: call.output,
                tool: call.tool, exitCode: call.exitCode, durationMs: call.durationMs, weight: 1.5))
            edits += call.edits
        }

        let summary = stage.summary(t, index: index)
        if stage == .wrapUp {
            records.append(ScriptRecord(kind: .thought, phase: .strategic,
                text: "Objective met: \(t.objective.lowercasedFirst). All tests pass; notes and report written.",
                weight: 1))
        }
        edits.append(.append(path: "NOTES.md", text: "- step \(index): \(summary)\n"))
        return ScriptStep(index: index, records: records, edits: edits, summary: summary)
    }

    /// The step's place in the story.
    enum Stage: Hashable {
        case explore, reproduce, fix, verify, wrapUp

        init(index: Int, total: Int) {
            let fraction = Double(index) / Double(total)
            switch index {
            case ...1: self = .explore
            case total...: self = .wrapUp
            default: self = fraction < 0.35 ? .reproduce : fraction < 0.6 ? .fix : .verify
            }
        }

        /// Whether the test suite passes at this point of the story.
        var testsPass: Bool { self == .verify || self == .wrapUp }

        func plan(_ t: Theme, _ random: inout ScriptRandom) -> String {
            switch self {
            case .explore:
                "Starting on: \(t.objective). First get oriented: list the repository and read the README and \(t.module).py."
            case .reproduce:
                random.pick([
                    "Reproduce the failure before changing anything: run \(t.test) in isolation and read the traceback.",
                    "Narrow down where \(t.function) goes wrong: run the failing test and look at the call sites.",
                    "Confirm my hypothesis that \(t.bug) by reading \(t.module).py and running the test with -x.",
                ])
            case .fix:
                random.pick([
                    "Implement the fix in \(t.function): \(t.fix). Keep the change small, then rerun the test.",
                    "The root cause is that \(t.bug). Edit \(t.module).py so that \(t.fix).",
                    "Refine the change to \(t.function) and cover the edge case the last run exposed.",
                ])
            case .verify:
                random.pick([
                    "The fix is in. Add a regression test for the edge case and run the whole suite.",
                    "Check nothing else broke: run the full test suite and the linter.",
                    "Harden \(t.function): handle the empty input, then rerun the suite.",
                ])
            case .wrapUp:
                "Wrap up: summarise the change in REPORT.md, review the diff, and finish."
            }
        }

        func reflection(_ t: Theme, _ random: inout ScriptRandom) -> String {
            switch self {
            case .explore, .reproduce:
                random.pick([
                    "The last output suggests the bug is in \(t.function), not in its callers.",
                    "Nothing in the README about this; the code is the spec.",
                    "The traceback points at \(t.module).py line \(random.within(12...88)).",
                ])
            case .fix:
                random.pick([
                    "The previous edit fixed the main path but the test still fails on the boundary case.",
                    "I should avoid touching the public signature of \(t.function); callers depend on it.",
                    "Two tests failed last time; one of them was a typo in my change.",
                ])
            case .verify, .wrapUp:
                random.pick([
                    "The suite is green; remaining risk is the untested empty-input path.",
                    "Lint is clean. The change is \(random.within(18...64)) lines; reviewable.",
                    "Good: the regression test fails on the old code and passes on the new one.",
                ])
            }
        }

        func summary(_ t: Theme, index: Int) -> String {
            switch self {
            case .explore: "explored the repository; the bug is in \(t.function)"
            case .reproduce: "reproduced the failure of \(t.test)"
            case .fix: "edited \(t.function) (\(t.fix))"
            case .verify: "suite green, regression test added"
            case .wrapUp: "wrote REPORT.md; objective met"
            }
        }

        // MARK: Tool calls

        func calls(_ t: Theme, index: Int, random: inout ScriptRandom) -> [ToolCall] {
            let src = "src/\(t.project)/\(t.module).py"
            let testFile = "tests/test_\(t.module).py"
            switch self {
            case .explore:
                return [
                    .execute("List the repository", "ls -R src tests", output: """
                        src:
                        \(t.project)

                        src/\(t.project):
                        __init__.py
                        \(t.module).py

                        tests:
                        test_\(t.module).py
                        """, ms: random.within(8...40)),
                    .readFile("Read the README", "README.md", output: "# \(t.project)\n…\n## Open issue\n\(t.objective).",
                        ms: random.within(2...9)),
                    .readFile("Read the module", src, output: "def \(t.function)(*args, **kwargs):\n    # TODO: \(t.bug)\n    raise NotImplementedError",
                        ms: random.within(2...9)),
                ]
            case .reproduce:
                var calls: [ToolCall] = [pytest(t, file: testFile, pass: false, random: &random)]
                if random.chance(60) {
                    calls.append(.execute("Find the call sites", "grep -rn \"\(t.function)\" src tests",
                        output: "\(src):4:def \(t.function)(*args, **kwargs):\n\(testFile):5:    assert \(t.function)() is not None",
                        ms: random.within(5...30)))
                }
                return calls
            case .fix:
                let old = random.pick(["raise NotImplementedError", "return None", "pass"])
                let new = t.fixLine
                var calls: [ToolCall] = [
                    ToolCall(tool: "edit_file", intent: "Edit \(t.function)",
                        args: ["path": .string(src), "old": .string(old), "new": .string(new)],
                        output: "Applied 1 edit to \(src) (+\(random.within(2...9)) -\(random.within(1...4)) lines)",
                        exitCode: 0, durationMs: Int64(random.within(3...15)),
                        edits: [.append(path: src, text: """

                            def _\(t.function)_step_\(index)(value):
                                # step \(index): \(t.fix)
                                return value

                            """)]),
                ]
                var timeout: String?
                if random.chance(15) {
                    timeout = "execute: command timed out after 120 s: pytest -q \(testFile); retrying with -x"
                }
                var run = pytest(t, file: testFile, pass: index % 2 == 0 && random.chance(30), random: &random)
                run.error = timeout
                calls.append(run)
                return calls
            case .verify:
                var calls: [ToolCall] = []
                if random.chance(50) {
                    calls.append(ToolCall(tool: "edit_file", intent: "Add a regression test",
                        args: ["path": .string(testFile), "old": "", "new": .string("def \(t.test)_step_\(index)(): ...")],
                        output: "Applied 1 edit to \(testFile) (+\(random.within(5...12)) lines)", exitCode: 0,
                        durationMs: Int64(random.within(3...15)),
                        edits: [.append(path: testFile, text: """


                            def \(t.test)_step_\(index)():
                                assert _\(t.function)_step_\(index)(\(index)) == \(index)

                            """)]))
                }
                calls.append(pytest(t, file: nil, pass: true, random: &random))
                if random.chance(50) {
                    calls.append(.execute("Lint", "ruff check src tests", output: "All checks passed!",
                        ms: random.within(40...160)))
                }
                return calls
            case .wrapUp:
                return [
                    ToolCall(tool: "write_file", intent: "Write the report",
                        args: ["path": "REPORT.md"], output: "Wrote REPORT.md (\(t.report.utf8.count) bytes)",
                        exitCode: 0, durationMs: Int64(random.within(2...8)),
                        edits: [.write(path: "REPORT.md", content: t.report)]),
                    .execute("Review the diff", "git diff --stat", output: """
                         \(src)      | \(random.within(12...40)) ++++++++----
                         \(testFile) | \(random.within(6...20)) ++++++
                         NOTES.md                   | \(random.within(5...15)) +++++
                         3 files changed
                        """, ms: random.within(10...40)),
                ]
            }
        }

        func pytest(_ t: Theme, file: String?, pass: Bool, random: inout ScriptRandom) -> ToolCall {
            let target = file ?? "tests"
            let count = random.within(6...40)
            let seconds = Double(random.within(30...900)) / 100
            let ms = Int64(seconds * 1000) + Int64(random.within(40...300))
            if pass {
                return .execute("Run the tests", "pytest -q \(target)",
                    output: "\(String(repeating: ".", count: min(count, 30)))\n\(count) passed in \(seconds)s",
                    ms: Int(ms))
            }
            let failed = random.within(1...3)
            return ToolCall(tool: "execute", intent: "Run the tests", args: ["command": .string("pytest -q \(target)")],
                output: """
                    F\(String(repeating: ".", count: min(count - failed, 20)))
                    ____ \(t.test) ____
                        assert \(t.function)() is not None
                    E   \(t.failure)
                    FAILED tests/test_\(t.module).py::\(t.test) - \(t.failure)
                    \(failed) failed, \(count - failed) passed in \(seconds)s
                    """, exitCode: 1, durationMs: ms, edits: [])
        }
    }

    /// One tool call and its result.
    struct ToolCall: Hashable {
        var tool: String
        var intent: String
        var args: JSONValue
        var output: String
        var exitCode: Int
        var durationMs: Int64
        var edits: [WorkspaceEdit]
        /// An `error` record between the action and its observation (a tool hiccup).
        var error: String?

        static func execute(_ intent: String, _ command: String, output: String, ms: Int) -> ToolCall {
            ToolCall(tool: "execute", intent: intent, args: ["command": .string(command)], output: output, exitCode: 0,
                durationMs: Int64(ms), edits: [])
        }

        static func readFile(_ intent: String, _ path: String, output: String, ms: Int) -> ToolCall {
            ToolCall(tool: "read_file", intent: intent, args: ["path": .string(path)], output: output, exitCode: 0,
                durationMs: Int64(ms), edits: [])
        }
    }

    // MARK: - Themes

    /// The project and objective a seed picks.
    public struct Theme: Sendable, Hashable {
        public var project: String
        public var objective: String
        public var module: String
        public var moduleDoc: String
        public var function: String
        public var test: String
        var bug: String
        var fix: String
        var fixLine: String
        var failure: String

        func named(project: String) -> Theme {
            var copy = self
            copy.project = project
            return copy
        }

        var report: String {
            "# Report\n\nObjective: \(objective).\n\nRoot cause: \(bug).\nFix: \(fix).\nTests: \(test) and a regression test pass.\n"
        }

        static let projects = ["orbit", "ledger", "tern", "quill", "harbor", "lumen"]

        static let all: [Theme] = [
            Theme(project: "", objective: "Fix the flaky retry logic in the HTTP client", module: "http_client",
                moduleDoc: "Thin HTTP client with retries.", function: "fetch_with_retry", test: "test_retry_backoff",
                bug: "the backoff never resets after a success", fix: "reset the attempt counter on success",
                fixLine: "attempt = 0  # reset after a success", failure: "AssertionError: expected 3 attempts, got 7"),
            Theme(project: "", objective: "Add pagination to the jobs listing endpoint", module: "jobs_api",
                moduleDoc: "The /jobs endpoint.", function: "list_jobs", test: "test_list_jobs_paginates",
                bug: "list_jobs returns every row at once", fix: "honour limit and return a continue token",
                fixLine: "rows = rows[offset:offset + limit]", failure: "AssertionError: assert 500 == 50"),
            Theme(project: "", objective: "Make the config loader reject unknown keys", module: "config_loader",
                moduleDoc: "Loads YAML configuration.", function: "load_config", test: "test_unknown_keys_rejected",
                bug: "unknown keys are silently ignored", fix: "raise ConfigError listing the unknown keys",
                fixLine: "if unknown: raise ConfigError(sorted(unknown))", failure: "Failed: DID NOT RAISE <class 'ConfigError'>"),
            Theme(project: "", objective: "Speed up the CSV importer on large files", module: "csv_importer",
                moduleDoc: "Imports CSV exports.", function: "import_rows", test: "test_import_large_file",
                bug: "every row is committed in its own transaction", fix: "commit in batches of 1000 rows",
                fixLine: "if len(batch) >= 1000: commit(batch)", failure: "Failed: Timeout >10.0s"),
            Theme(project: "", objective: "Handle daylight-saving time in the report scheduler", module: "scheduler",
                moduleDoc: "Schedules periodic reports.", function: "next_run", test: "test_next_run_dst",
                bug: "next_run adds 24 h in local time", fix: "compute the next run in UTC and convert once",
                fixLine: "return (start.astimezone(UTC) + period).astimezone(tz)",
                failure: "AssertionError: 2026-03-29 03:00 != 2026-03-29 02:00"),
        ]
    }
}

extension String {
    var lowercasedFirst: String { prefix(1).lowercased() + dropFirst() }
}
