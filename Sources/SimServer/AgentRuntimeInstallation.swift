import Foundation

/// Where the agent runtime (`flightdeck-agent`, Python) is installed on this machine, so the
/// simulated node can run its image's containers as real processes.
///
/// Looked up in order: `FLIGHTDECK_AGENT_PYTHON` (an interpreter that can import
/// `flightdeck_agent`), then `flightdeck-agent/.venv/bin/python` in the checkout the running
/// executable was built in (`script/bootstrap` prepares that venv; the executable lives at
/// `.build/<triple>/<configuration>/flightdeck`).
public enum AgentRuntimeInstallation {
    public static let environmentVariable = "FLIGHTDECK_AGENT_PYTHON"
    /// The venv's interpreter, relative to the checkout.
    public static let checkoutPython = "flightdeck-agent/.venv/bin/python"

    public enum Problem: Error, CustomStringConvertible, Equatable {
        case notExecutable(variable: String, path: String)
        case notInstalled

        public var description: String {
            switch self {
            case .notExecutable(let variable, let path):
                "\(variable)=\(path) is not an executable interpreter"
            case .notInstalled:
                "the agent runtime is not installed: run script/bootstrap (it prepares \(checkoutPython)), or set \(environmentVariable) to a Python that has flightdeck-agent"
            }
        }
    }

    /// The runtime's interpreter.
    public static func python(environment: [String: String] = ProcessInfo.processInfo.environment,
        executablePath: String = CommandLine.arguments.first ?? "") throws(Problem) -> String
    {
        if let named = environment[environmentVariable], !named.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: named) else {
                throw .notExecutable(variable: environmentVariable, path: named)
            }
            return named
        }
        let resolved = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
        var directory = resolved
        while directory.path != "/" && !directory.path.isEmpty {
            let candidate = directory.appendingPathComponent(checkoutPython).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw .notInstalled
    }
}
