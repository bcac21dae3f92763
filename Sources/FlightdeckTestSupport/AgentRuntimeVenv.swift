import Foundation

/// The agent runtime's venv (`flightdeck-agent/.venv`, which `script/bootstrap` prepares): the
/// interpreter the simulated node runs real agents with, and the tests run them with.
public enum AgentRuntimeVenv {
    /// The checkout this file was built from.
    public static let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Its Python, when prepared.
    public static var python: String? {
        let path = checkout.appendingPathComponent("flightdeck-agent/.venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    public static let unavailableReason =
        "the agent runtime's venv is not prepared (script/bootstrap creates flightdeck-agent/.venv)"
}
