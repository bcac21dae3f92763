/// When the simulated agent fails, and how: parsed from `SIM_AGENT_FAIL`.
///
/// Syntax: comma-separated `kind@step`, e.g. `oom@3,ratelimit@5`; `random` lets the seed
/// pick (deterministically) at most one fault; empty or `none` means no fault.
///
/// Kinds, and why they behave as they do:
/// - `oom@N`: the kernel kills the process while step N runs a memory-hungry tool: exit 137,
///   reported as OOM-killed, no last words. Transient: fires on the first attempt only.
/// - `ratelimit@N`: the LLM API answers 429 during step N's planning: an `error` record,
///   then exit `rateLimitExitCode` (75, EX_TEMPFAIL) so the Job retries. First attempt only.
/// - `fatal@N`: a logic error (an invariant the agent's own code asserts) at step N: an
///   `error` record with a traceback, exit `fatalExitCode` (`SIM_AGENT_FATAL_CODE`, 42).
///   Deterministic: it fires on every attempt, as a real bug would.
/// - `hang@N`: the agent deadlocks waiting for an LLM response at step N and stops touching
///   its heartbeat, so only a liveness probe (or deletion) ends it. First attempt only.
///
/// "First attempt only" is remembered in the checkpoint database (`sim_faults`), so a
/// restarted container or a new pod of the same Job resumes past it.
public struct FaultPlan: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case oom, ratelimit, fatal, hang

        /// Whether the fault recurs on every attempt (a bug) or fires once (an accident).
        public var recurs: Bool { self == .fatal }
    }

    public struct Fault: Sendable, Hashable {
        public var kind: Kind
        public var step: Int
        public init(kind: Kind, step: Int) {
            self.kind = kind
            self.step = step
        }
    }

    public var faults: [Fault]

    public init(_ faults: [Fault] = []) { self.faults = faults }

    public static let rateLimitExitCode: Int32 = 75
    public static let oomExitCode: Int32 = 137

    /// Parses `SIM_AGENT_FAIL`. Unknown or malformed entries are errors (a typo in a test
    /// knob should not silently mean "no fault").
    public init(parsing text: String, seed: UInt64, totalSteps: Int) throws(ConfigurationError) {
        let trimmed = text.trimmingSpaces
        if trimmed.isEmpty || trimmed == "none" {
            self.init()
            return
        }
        if trimmed == "random" {
            self = Self.random(seed: seed, totalSteps: totalSteps)
            return
        }
        var faults: [Fault] = []
        for entry in trimmed.split(separator: ",") {
            let parts = entry.trimmingSpaces.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, let kind = Kind(rawValue: parts[0].lowercased()), let step = Int(parts[1]),
                step >= 1
            else {
                throw ConfigurationError(
                    "SIM_AGENT_FAIL: \"\(entry)\" is not kind@step (kinds: oom, ratelimit, fatal, hang; step >= 1)")
            }
            faults.append(Fault(kind: kind, step: step))
        }
        self.init(faults)
    }

    /// The seed's choice: about half of the seeds fail once, transiently (rate limit or OOM),
    /// one in eight hits the fatal error; the step is somewhere in the middle of the run.
    public static func random(seed: UInt64, totalSteps: Int) -> FaultPlan {
        var random = ScriptRandom(seed: seed, stream: 0xFA17)
        let step = max(1, min(totalSteps, 2 + random.below(max(1, totalSteps - 2))))
        switch random.below(8) {
        case 0, 1, 2: return FaultPlan([Fault(kind: .ratelimit, step: step)])
        case 3: return FaultPlan([Fault(kind: .oom, step: step)])
        case 4: return FaultPlan([Fault(kind: .fatal, step: step)])
        default: return FaultPlan()
        }
    }

    /// The fault due at `step`, given the one-shot faults that already fired.
    public func fault(at step: Int, alreadyFired: Set<Fault>) -> Fault? {
        faults.first { $0.step == step && ($0.kind.recurs || !alreadyFired.contains($0)) }
    }
}

/// A configuration knob that could not be read; the agent prints it and exits 2 (usage), as
/// a real program given a bad environment would.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let first = s.first, first.isWhitespace { s = s.dropFirst() }
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
