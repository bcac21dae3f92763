import FlightdeckCore
import Foundation
import Testing

@testable import SimAgent

@Suite("AgentScript")
struct AgentScriptTests {
    @Test func sameSeedSameScriptOtherSeedOtherScript() {
        let a = AgentScript(seed: 7, totalSteps: 10)
        let b = AgentScript(seed: 7, totalSteps: 10)
        #expect(a == b)
        for step in 1...10 { #expect(a.step(step) == b.step(step)) }
        #expect(a.initialTree == b.initialTree)
        // Another seed tells another story somewhere.
        let others = (100..<110).map { AgentScript(seed: $0, totalSteps: 10) }
        #expect(others.contains { other in (1...10).contains { other.step($0) != a.step($0) } })
        #expect(Set(others.map(\.theme)).count > 1)
    }

    @Test func stepsAreIndependentOfOrder() {
        let script = AgentScript(seed: 3, totalSteps: 8)
        let forward = (1...8).map { script.step($0) }
        let backward = (1...8).reversed().map { script.step($0) }.reversed()
        #expect(forward == Array(backward))
    }

    @Test func everyStepPlansThenActs() {
        let script = AgentScript(seed: 11, totalSteps: 9)
        for index in 1...9 {
            let step = script.step(index)
            #expect(step.index == index)
            #expect(step.records.first?.kind == .thought)
            #expect(step.records.first?.phase == .strategic)
            #expect(step.records.first?.text.hasPrefix("Step \(index)/9: ") == true)
            // STRATEGIC thoughts, then TACTICAL work (the last step ends with one more thought).
            let phases = step.records.map(\.phase)
            let firstTactical = phases.firstIndex(of: .tactical)
            #expect(firstTactical != nil)
            if let firstTactical {
                #expect(phases[..<firstTactical].allSatisfy { $0 == .strategic })
                let tail = phases[firstTactical...].drop { $0 == .tactical }
                #expect(tail.allSatisfy { $0 == .strategic })
                #expect(tail.count == (index == 9 ? 1 : 0))
            }
            // Every action is answered by an observation of the same tool with an exit code and duration.
            for (offset, record) in step.records.enumerated() where record.kind == .action {
                let rest = step.records[(offset + 1)...].drop { $0.kind == .error }
                let observation = rest.first
                #expect(observation?.kind == .observation)
                #expect(observation?.tool == record.tool)
                #expect(observation?.exitCode != nil)
                #expect((observation?.durationMs ?? -1) >= 0)
                #expect(["execute", "read_file", "edit_file", "write_file"].contains(record.tool ?? ""))
                #expect(record.args != nil)
            }
            #expect(step.edits.contains(.append(path: "NOTES.md", text: "- step \(index): \(step.summary)\n")))
        }
    }

    @Test func testsFailEarlyAndPassLate() {
        let script = AgentScript(seed: 5, totalSteps: 10)
        func pytestExits(_ step: Int) -> [Int] {
            script.step(step).records.filter {
                $0.kind == .observation && $0.tool == "execute" && ($0.text.contains("passed") || $0.text.contains("failed"))
            }.compactMap(\.exitCode)
        }
        #expect(pytestExits(2).contains(1))
        #expect(pytestExits(3).contains(1))
        for step in 7...9 {
            #expect(!pytestExits(step).isEmpty)
            #expect(pytestExits(step).allSatisfy { $0 == 0 })
        }
        let last = script.step(10)
        #expect(last.edits.contains { $0.path == "REPORT.md" })
        #expect(last.records.last?.text.hasPrefix("Objective met") == true)
    }

    @Test func instructionsAreQuotedInTheStrategicThought() {
        let script = AgentScript(seed: 1, totalSteps: 6)
        let plain = script.step(3)
        let steered = script.step(3, instructions: ["use pytest -x", "skip the linter"])
        let thought = steered.records.first
        #expect(thought?.phase == .strategic)
        #expect(thought?.text.contains("\"use pytest -x\"; \"skip the linter\"") == true)
        #expect(plain.records.first?.text.contains("Operator instruction") == false)
        // The rest of the step is unchanged.
        #expect(Array(steered.records.dropFirst()) == Array(plain.records.dropFirst()))
    }

    @Test func linesAreWhatTheTraceParserReads() throws {
        let script = AgentScript(seed: 9, totalSteps: 5)
        let parser = TraceLineParser()
        var seq: Int64 = 0
        for index in 1...5 {
            for record in script.step(index).records {
                seq += 1
                let line = record.line(ts: "2026-11-29T04:23:08.123Z", seq: seq).serialized
                let parsed = parser.parse(line, jobID: "j", sourceID: "s", receivedAt: Date(timeIntervalSince1970: 0))
                #expect(parsed.raw == nil, "every member understood: \(line)")
                #expect(parsed.kind == record.kind)
                #expect(parsed.phase == record.phase)
                #expect(parsed.text == record.text)
                #expect(parsed.tool == record.tool)
                #expect(parsed.exitCode == record.exitCode)
                #expect(parsed.durationMs == record.durationMs)
                #expect(parsed.agentSeq == seq)
                #expect(parsed.time == RFC3339.date(from: "2026-11-29T04:23:08.123Z"))
                if let args = record.args { #expect(parsed.args == args.serialized) }
            }
        }
    }

    @Test func initialTreeIsARepository() {
        let tree = AgentScript(seed: 2, totalSteps: 4).initialTree.map(\.path)
        #expect(tree.contains("README.md"))
        #expect(tree.contains("NOTES.md"))
        #expect(tree.contains { $0.hasPrefix("src/") && $0.hasSuffix(".py") })
        #expect(tree.contains { $0.hasPrefix("tests/test_") })
    }
}

@Suite("FaultPlan and configuration")
struct FaultPlanTests {
    @Test func parsesKindAtStep() throws {
        let plan = try FaultPlan(parsing: " oom@3, ratelimit@5 ,FATAL@7", seed: 1, totalSteps: 10)
        #expect(plan.faults == [.init(kind: .oom, step: 3), .init(kind: .ratelimit, step: 5), .init(kind: .fatal, step: 7)])
        #expect(try FaultPlan(parsing: "", seed: 1, totalSteps: 10).faults.isEmpty)
        #expect(try FaultPlan(parsing: "none", seed: 1, totalSteps: 10).faults.isEmpty)
        #expect(throws: ConfigurationError.self) { try FaultPlan(parsing: "oom", seed: 1, totalSteps: 10) }
        #expect(throws: ConfigurationError.self) { try FaultPlan(parsing: "melt@2", seed: 1, totalSteps: 10) }
        #expect(throws: ConfigurationError.self) { try FaultPlan(parsing: "oom@0", seed: 1, totalSteps: 10) }
    }

    @Test func oneShotFaultsFireOnceFatalAlways() {
        let plan = FaultPlan([.init(kind: .oom, step: 2), .init(kind: .fatal, step: 4)])
        #expect(plan.fault(at: 2, alreadyFired: []) == .init(kind: .oom, step: 2))
        #expect(plan.fault(at: 2, alreadyFired: [.init(kind: .oom, step: 2)]) == nil)
        #expect(plan.fault(at: 4, alreadyFired: [.init(kind: .fatal, step: 4)]) == .init(kind: .fatal, step: 4))
        #expect(plan.fault(at: 3, alreadyFired: []) == nil)
    }

    @Test func randomPlanIsTheSeeds() throws {
        let plans = (0..<64).map { FaultPlan.random(seed: $0, totalSteps: 10) }
        #expect(plans == (0..<64).map { FaultPlan.random(seed: $0, totalSteps: 10) })
        #expect(plans.contains { $0.faults.isEmpty })
        #expect(plans.contains { $0.faults.first?.kind == .ratelimit })
        #expect(plans.allSatisfy { $0.faults.allSatisfy { (1...10).contains($0.step) } })
        #expect(try FaultPlan(parsing: "random", seed: 5, totalSteps: 10) == FaultPlan.random(seed: 5, totalSteps: 10))
    }

    @Test func configurationFromTheJobsEnvironment() throws {
        let env = [
            "JOB_ID": "job-7", "WORKSPACE_PATH": "/workspace", "SIM_AGENT_SEED": "99", "SIM_AGENT_STEPS": "4",
            "SIM_AGENT_FAIL": "oom@2", "SIM_AGENT_PACE": "0.5", "SIM_AGENT_FATAL_CODE": "3",
        ]
        let config = try SimAgentConfiguration(environment: env) { "/real" + $0 }
        #expect(config.jobID == "job-7")
        #expect(config.workspacePath == "/real/workspace")
        #expect(config.checkpointPath == "/real/workspace/checkpoints/job_job-7.db")
        #expect(config.heartbeatPath == "/real/workspace/.heartbeat")
        #expect(config.seed == 99)
        #expect(config.steps == 4)
        #expect(config.faults.faults == [.init(kind: .oom, step: 2)])
        #expect(config.pace == 0.5)
        #expect(config.fatalExitCode == 3)
        #expect(config.checkpointDisplayPath == "checkpoints/job_job-7.db")

        let directory = try SimAgentConfiguration(environment: ["JOB_ID": "x", "CHECKPOINT_PATH": "/ckpt/"])
        #expect(directory.checkpointPath == "/ckpt/job_x.db")
        let defaults = try SimAgentConfiguration(environment: ["JOB_ID": "x"])
        #expect(defaults.seed == SimAgentConfiguration.seed(forJob: "x"))
        #expect(defaults.seed != SimAgentConfiguration.seed(forJob: "y"))
        #expect(throws: ConfigurationError.self) { try SimAgentConfiguration(environment: ["SIM_AGENT_STEPS": "many"]) }
    }
}
