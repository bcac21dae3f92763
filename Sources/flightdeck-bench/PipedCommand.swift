import Foundation

/// `( COMMAND 2>err; echo $? >status ) | wc -l` through `/bin/sh`: the command's stdout is
/// counted in lines by `wc`, its stderr and exit status kept. Timed from spawn to exit.
/// Waits without blocking a thread of the cooperative pool (the simulated cluster in this
/// process needs them).
struct PipedCommand {
    let command: String
    let environment: [String: String]
    /// Where the stderr and status files go.
    let directory: String

    struct Outcome {
        var seconds: Double
        var lines: Int
        var status: Int32
        var stderr: String
    }

    func run() async throws -> Outcome {
        let errFile = directory + "/stderr.txt"
        let statusFile = directory + "/status.txt"
        for file in [errFile, statusFile] { try? FileManager.default.removeItem(atPath: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "( \(command) 2>\(errFile); echo $? >\(statusFile) ) | wc -l"]
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        let start = now()
        let seconds: Double = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { _ in continuation.resume(returning: now() - start) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        let counted = String(decoding: (try? output.fileHandleForReading.readToEnd()) ?? Data(), as: UTF8.self)
        let status = (try? String(contentsOfFile: statusFile, encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? -1
        return Outcome(seconds: seconds, lines: Int(counted.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1,
            status: status, stderr: (try? String(contentsOfFile: errFile, encoding: .utf8)) ?? "")
    }
}
