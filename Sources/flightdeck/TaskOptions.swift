import AgentManifests
import ArgumentParser
import FlightdeckApp
import Foundation

/// The flags that describe one task, shared by `manifests task` and `submit`: layered over
/// the config's `agents:` section and a `--template` file.
struct TaskOptions: ParsableArguments {
        @Option(help: "A task template file (YAML or JSON) to start from.")
        var template: String?

        @Option(help: "The task uuid (default: a new random one).")
        var uuid: String?

        @Option(help: "The agent's container image (default: the config's agents.image, else localhost/flightdeck-agent:0.1.0, the agent runtime).")
        var image: String?

        @Option(help: "The task's prompt.")
        var prompt: String?

        @Option(name: .customLong("prompt-file"), help: "Read the prompt from a file.")
        var promptFile: String?

        @Option(name: .customLong("repo"), help: "A repository for the agent to clone.")
        var repoURL: String?

        @Option(help: "A short title shown in the cockpit.")
        var title: String?

        @Option(name: .customLong("secret-file"), help: "NAME=PATH: mount PATH's content as /var/secrets/NAME (repeatable).")
        var secretFiles: [String] = []

        @Option(name: .customLong("env"), help: "NAME=VALUE: extra plain environment for the agent (repeatable).")
        var environment: [String] = []

        @Option(help: "CPU request (e.g. 500m).")
        var cpu: String?

        @Option(name: .customLong("cpu-limit"), help: "CPU limit (e.g. 2).")
        var cpuLimit: String?

        @Option(help: "Memory request and limit (e.g. 2Gi).")
        var memory: String?

        @Option(name: .customLong("workspace-size"), help: "Workspace PVC size (e.g. 5Gi).")
        var workspaceSize: String?

        @Option(name: .customLong("shm-size"), help: "/dev/shm size (e.g. 256Mi).")
        var shmSize: String?

        @Option(help: "The queue to wait in (one of the config's queues:; default: its default queue).")
        var queue: String?

        @Option(help: "The task's priority in its queue: high, normal (default) or low.")
        var priority: String?

        @Option(name: .customLong("budget-tokens"), help: "Flag the job once its model tokens (in + out) go over this many (it is not stopped).")
        var budgetTokens: String?

        @Option(name: .customLong("budget-cost"), help: "Flag the job once its cost by the config's prices: goes over this amount, e.g. 2.50 (it is not stopped).")
        var budgetCost: String?

        @Option(name: .customLong("backoff-limit"), help: "Retries of failed pods.")
        var backoffLimit: Int?

        @Option(name: .customLong("deadline"), help: "activeDeadlineSeconds of the Job.")
        var deadline: Int?

        @Option(name: .customLong("ttl"), help: "ttlSecondsAfterFinished of the Job.")
        var ttl: Int?

    /// The typed request these flags describe (what the cockpit's form makes too).
    func request() throws -> TaskRequest {
        var request = TaskRequest(prompt: prompt, image: image, repoURL: repoURL, template: template)
        request.promptFile = promptFile
        request.fields.uuid = uuid
        request.fields.title = title
        request.fields.secretFilePaths = try TaskRequest.pairs(secretFiles, flag: "--secret-file")
        request.fields.environment = try TaskRequest.pairs(environment, flag: "--env")
        request.fields.cpu = cpu
        request.fields.cpuLimit = cpuLimit
        request.fields.memory = memory
        request.fields.workspaceSize = workspaceSize
        request.fields.shmSize = shmSize
        request.fields.backoffLimit = backoffLimit
        request.fields.activeDeadlineSeconds = deadline
        request.fields.ttlSecondsAfterFinished = ttl
        request.fields.queue = queue
        request.fields.priority = try TaskRequest.priority(priority)
        request.fields.budgetTokens = try TaskRequest.budgetTokens(budgetTokens)
        request.fields.budgetCost = try TaskRequest.budgetCost(budgetCost)
        return request
    }

    /// The task these flags describe over `config`'s defaults (and the template's).
    func build(config: ManifestConfig) throws -> AgentTask { try request().build(config: config).task }

    /// The task and the absolute paths its secret files were read from (kept for a retry).
    func buildWithPaths(config: ManifestConfig) throws -> TaskRequest.Built { try request().build(config: config) }
}
