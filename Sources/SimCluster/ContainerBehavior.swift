import KubeModel

/// What a container does in the simulated runtime, decided from its spec alone — the
/// simulation's stand-in for "the image's entrypoint". One small pure mapping, so which image
/// runs what is visible in one place and tested on its own.
///
/// Rules, first match wins:
/// 1. any `SIM_AGENT_*` env variable → `.agent` (whatever the image);
/// 2. image containing `fluent-bit`/`fluentbit`/`timberio/vector` → `.logShipper`;
/// 3. image whose repository is `…/squid`, `nats` or `nats-server` (`ServiceProgram.of`) →
///    `.service` (the egress proxy, NATS: start-up lines from the config file, then serving,
///    running and ready, until SIGTERM; shutdown lines, exit 0);
/// 4. image containing `minio/mc` or `aws-cli`, or a name containing `restore`/`snapshot`:
///    a native sidecar named `snapshot…` → `.snapshotSidecar` (periodic sync until stopped);
///    any other → `.restore` (a one-shot transfer: a line, exit 0);
/// 5. image containing `log-generator` → `.logGenerator` (`LOG_LINES` lines, default 1000, of
///    `LOG_LINE_BYTES` bytes, default 120, as fast as it can, then exit 0: benchmarks of the
///    log path);
/// 6. `command` starting with a shell and `-c` (`sh -c`, `/bin/bash -c`) → `.shell(script)`;
/// 7. anything else → `.agent`.
public enum ContainerBehavior: Sendable, Hashable {
    case agent
    case logShipper
    case service(ServiceProgram)
    case restore
    case snapshotSidecar
    case logGenerator(lines: Int, lineBytes: Int)
    case shell(String)

    public static func of(_ container: Container, isSidecar: Bool) -> ContainerBehavior {
        let image = (container.image ?? "").lowercased()
        let name = (container.name ?? "").lowercased()
        if container.env.contains(where: { $0.name?.hasPrefix("SIM_AGENT_") == true }) { return .agent }
        if image.contains("fluent-bit") || image.contains("fluentbit") || image.contains("timberio/vector") {
            return .logShipper
        }
        if let program = ServiceProgram.of(image: container.image ?? "") { return .service(program) }
        if image.contains("minio/mc") || image.contains("aws-cli") || name.contains("restore") || name.contains("snapshot") {
            return name.contains("snapshot") && isSidecar ? .snapshotSidecar : .restore
        }
        if image.contains("log-generator") {
            func number(_ variable: String, _ fallback: Int) -> Int {
                container.env.first { $0.name == variable }?.value.flatMap { Int($0) }.map { max(0, $0) } ?? fallback
            }
            return .logGenerator(lines: number("LOG_LINES", 1000), lineBytes: number("LOG_LINE_BYTES", 120))
        }
        let words = container.command + container.args
        if let shell = words.first, ["sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/env sh"].contains(shell),
            let flag = words.dropFirst().first, flag == "-c"
        {
            return .shell(words.dropFirst(2).first ?? "")
        }
        return .agent
    }
}

/// The little a simulated `sh -c` script does: `echo` lines are printed, `sleep N` waits N
/// simulated seconds, `exit N` ends with N (else 0). Anything else is echoed as a trace
/// (`+ cmd`), as `set -x` would, and succeeds.
public struct ShellSketch: Sendable, Hashable {
    public enum Step: Sendable, Hashable {
        case print(String)
        case sleep(Double)
        case exit(Int32)
    }

    public var steps: [Step]

    public init(_ script: String) {
        var steps: [Step] = []
        let commands = script.split(whereSeparator: { $0 == "\n" || $0 == ";" }).flatMap {
            $0.components(separatedBy: "&&")
        }
        for raw in commands {
            let command = raw.trimmingSpaces
            if command.isEmpty || command.hasPrefix("#") || command.hasPrefix("set ") { continue }
            if command.hasPrefix("echo ") {
                var text = String(command.dropFirst(5)).trimmingSpaces
                if text.count >= 2, let first = text.first, first == "\"" || first == "'", text.last == first {
                    text = String(text.dropFirst().dropLast())
                }
                steps.append(.print(text))
            } else if command.hasPrefix("sleep "), let seconds = Double(command.dropFirst(6).trimmingSpaces) {
                steps.append(.sleep(seconds))
            } else if command == "exit" {
                steps.append(.exit(0))
            } else if command.hasPrefix("exit "), let code = Int32(command.dropFirst(5).trimmingSpaces) {
                steps.append(.exit(code))
                break
            } else {
                steps.append(.print("+ " + command))
            }
        }
        self.steps = steps
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let first = s.first, first.isWhitespace { s = s.dropFirst() }
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
