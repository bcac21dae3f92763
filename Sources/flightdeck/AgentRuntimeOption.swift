import ArgumentParser
import FlightdeckApp
import SimServer

/// Which agents the simulated node runs for the runtime's image: `python` (the real agent
/// runtime as local processes), `sim` (simulated agents), or `auto` (python when installed).
enum AgentRuntimeOption: String, ExpressibleByArgument, CaseIterable {
    case auto, python, sim

    /// The runtime's interpreter, or `nil` for simulated agents; `python` when it is not
    /// installed, or a `FLIGHTDECK_AGENT_PYTHON` that is no interpreter, is a one-line failure.
    func interpreter() throws -> String? {
        switch self {
        case .sim: return nil
        case .auto:
            // Not installed: simulated agents. Named but broken: said, not silently passed over.
            do { return try AgentRuntimeInstallation.python() } catch .notInstalled { return nil } catch {
                throw OperatorError("\(error)")
            }
        case .python:
            do { return try AgentRuntimeInstallation.python() } catch { throw OperatorError("--agent-runtime python: \(error)") }
        }
    }
}
