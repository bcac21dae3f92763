import AgentManifests
import ArgumentParser
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

        @Option(name: .customLong("backoff-limit"), help: "Retries of failed pods.")
        var backoffLimit: Int?

        @Option(name: .customLong("deadline"), help: "activeDeadlineSeconds of the Job.")
        var deadline: Int?

        @Option(name: .customLong("ttl"), help: "ttlSecondsAfterFinished of the Job.")
        var ttl: Int?

    /// The task these flags describe over `config`'s defaults (and the template's).
    func build(config: ManifestConfig) throws -> AgentTask { try buildWithPaths(config: config).task }

    /// The task and the absolute paths its secret files were read from (kept for a retry).
    func buildWithPaths(config: ManifestConfig) throws -> (task: AgentTask, secretFilePaths: [String: String]) {
        var fields = config.taskDefaults
        var baseDirectory = FileManager.default.currentDirectoryPath
        if let template {
            let text = try Self.read(template, what: "task template")
            do {
                fields = try TaskTemplate.parse(text, file: template).overlaid(on: fields)
            } catch {
                throw CLIFailure(error.description)
            }
            baseDirectory = URL(fileURLWithPath: template).deletingLastPathComponent().path
        }
        var flags = TaskTemplate()
        flags.uuid = uuid
        flags.image = image
        flags.prompt = try promptFile.map { try Self.read($0, what: "prompt file") } ?? prompt
        flags.repoURL = repoURL
        flags.title = title
        flags.cpu = cpu
        flags.cpuLimit = cpuLimit
        flags.memory = memory
        flags.workspaceSize = workspaceSize
        flags.shmSize = shmSize
        flags.backoffLimit = backoffLimit
        flags.activeDeadlineSeconds = deadline
        flags.ttlSecondsAfterFinished = ttl
        flags.environment = try Self.pairs(environment, flag: "--env")
        fields = flags.overlaid(on: fields)

        // Secret files: the template's paths are relative to it, the flags' to the working directory.
        var secrets: [String: String] = [:]
        var paths: [String: String] = [:]
        for (name, path) in fields.secretFilePaths where !(try Self.pairs(secretFiles, flag: "--secret-file")).keys.contains(name) {
            paths[name] = Self.resolve(path, in: baseDirectory)
            secrets[name] = try Self.read(paths[name]!, what: "secret file \(name)")
        }
        for (name, path) in try Self.pairs(secretFiles, flag: "--secret-file") {
            paths[name] = Self.resolve(path, in: FileManager.default.currentDirectoryPath)
            secrets[name] = try Self.read(paths[name]!, what: "secret file \(name)")
        }
        let task = fields.task(uuid: UUID().uuidString.lowercased(), secretFiles: secrets)
        let errors = task.validationErrors
        if !errors.isEmpty { throw CLIFailure("cannot make the task's manifests: " + errors.joined(separator: "; ")) }

        return (task, paths)
    }

    static func pairs(_ values: [String], flag: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for value in values {
            guard let equals = value.firstIndex(of: "="), equals != value.startIndex else {
                throw CLIFailure("\(flag) \(value): expected NAME=VALUE")
            }
            result[String(value[..<equals])] = String(value[value.index(after: equals)...])
        }
        return result
    }

    static func resolve(_ path: String, in directory: String) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/") { return (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()) + path.dropFirst() }
        return directory + "/" + path
    }

    static func read(_ path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIFailure("cannot read \(what) \(path): no such file or not readable")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CLIFailure("\(what) \(path) is not UTF-8 text")
        }
        return text
    }
}
