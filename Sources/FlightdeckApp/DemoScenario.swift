import AgentManifests
import Foundation

/// The tasks the demo starts: a handful of simulated agents, each showing something an
/// operator meets — a clean run, an OOM kill resumed from its checkpoint, a rate limit
/// retried, a fatal logic error that fails its Job at once. Deterministic from the seed.
public enum DemoScenario {
    struct Agent {
        var title: String
        var prompt: String
        var failure: String?
        var steps: Int
        var pace: Double
    }

    static let catalogue: [Agent] = [
        Agent(title: "flaky retry", prompt: "Fix the flaky retry logic in the HTTP client", failure: nil, steps: 10, pace: 3),
        Agent(title: "pagination", prompt: "Add pagination to the jobs list endpoint", failure: "oom@4", steps: 12, pace: 3),
        Agent(title: "dependency bump", prompt: "Upgrade the YAML library and fix what breaks", failure: "ratelimit@3", steps: 9, pace: 2.5),
        Agent(title: "migration", prompt: "Write the schema migration for the audit table", failure: "fatal@5", steps: 12, pace: 3),
        Agent(title: "docs", prompt: "Document the trace protocol for agent authors", failure: nil, steps: 8, pace: 2),
        Agent(title: "perf", prompt: "Find why the scrollback query is slow and fix it", failure: "oom@6", steps: 14, pace: 3.5),
    ]

    /// `count` tasks (cycling through the catalogue), with uuids derived from the seed.
    public static func tasks(count: Int, seed: UInt64, image: String) -> [AgentTask] {
        (0..<count).map { index in
            let agent = catalogue[index % catalogue.count]
            var environment = ["SIM_AGENT_SEED": String(seed &+ UInt64(index)), "SIM_AGENT_STEPS": String(agent.steps),
                "SIM_AGENT_PACE": String(agent.pace)]
            if let failure = agent.failure { environment["SIM_AGENT_FAIL"] = failure }
            return AgentTask(uuid: uuid(seed: seed, index: index), image: image, prompt: agent.prompt, title: agent.title,
                secretFiles: ["llm-api-key": "demo-key-not-real"], backoffLimit: 3, ttlSecondsAfterFinished: 3600,
                environment: environment)
        }
    }

    /// A real agent's run: the agent runtime's reference agent on one of its built-in model
    /// scripts (`flightdeck-agent/src/flightdeck_agent/reference/scripts/`).
    struct RuntimeAgent {
        var title: String
        var prompt: String
        var script: String
    }

    static let runtimeCatalogue: [RuntimeAgent] = [
        RuntimeAgent(title: "fix a failing test", prompt: "Write wordfreq.top_words(text, n) with a test, and make the test pass", script: "demo"),
        RuntimeAgent(title: "crash and resume", prompt: "Write wordfreq.top_words with a test (the agent process is killed halfway)",
            script: "demo-crash"),
        RuntimeAgent(title: "rate limited", prompt: "Write wordfreq.top_words with a test (the model API rate-limits once)",
            script: "demo-ratelimit"),
        RuntimeAgent(title: "rejected key", prompt: "Write wordfreq.top_words with a test (the model API rejects the key)",
            script: "demo-fatal"),
    ]

    /// `count` real agents (cycling through `runtimeCatalogue`) on the runtime's image, with a
    /// scripted model (no network) that answers after `stepDelay` seconds, so a run is watchable.
    public static func runtimeTasks(count: Int, seed: UInt64, stepDelay: Double) -> [AgentTask] {
        (0..<count).map { index in
            let agent = runtimeCatalogue[index % runtimeCatalogue.count]
            return AgentTask(uuid: uuid(seed: seed, index: index), image: TaskTemplate.defaultImage, prompt: agent.prompt,
                title: agent.title, secretFiles: ["openai-api-key": "sk-demo-not-a-real-key-0000"], backoffLimit: 3,
                ttlSecondsAfterFinished: 3600,
                environment: ["AGENT_MODEL": "scripted:" + agent.script, "AGENT_STEP_DELAY": String(format: "%.2f", stepDelay)])
        }
    }

    /// A version-4-shaped uuid from the seed (so a demo's Job names repeat with its seed).
    public static func uuid(seed: UInt64, index: Int) -> String {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(index + 1)
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let hex = String(format: "%016llx%016llx", next(), next())
        let chars = Array(hex)
        func part(_ range: Range<Int>) -> String { String(chars[range]) }
        return "\(part(0..<8))-\(part(8..<12))-4\(part(13..<16))-8\(part(17..<20))-\(part(20..<32))"
    }
}
