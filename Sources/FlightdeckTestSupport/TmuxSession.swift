import Foundation

/// A real terminal for end-to-end tests: a detached tmux session on a private server, whose
/// screen tests read back as text.
///
/// Each session has its own socket (`tmux -L`) and no configuration (`-f /dev/null`), so it
/// neither sees nor disturbs the user's tmux. Inside, `TERM` is `tmux-256color`, `LANG` is
/// `C.UTF-8`, the status line is off (the pane is the whole window), and `NO_COLOR` and
/// `COLORTERM` are unset unless the command sets them. The server is killed when the value
/// is released.
public final class TmuxSession: @unchecked Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case tmuxFailed(arguments: [String], status: Int32, output: String)
        case timedOut(waitingFor: String, screen: [String])

        public var description: String {
            switch self {
            case let .tmuxFailed(arguments, status, output): return "tmux \(arguments) exited \(status): \(output)"
            case let .timedOut(text, screen):
                return "timed out waiting for \(text); the screen was:\n" + screen.joined(separator: "\n")
            }
        }
    }

    /// tmux's path, or nil when it is not installed (tests are then skipped, saying why).
    public static let executable: String? = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/opt/homebrew/bin/tmux"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Why a test that needs tmux does not run.
    public static let unavailableReason = "tmux is not installed (apt-get install tmux)"

    public let socket: String
    public let target: String

    /// Starts `command` (a shell command line) in a `width`×`height` window.
    public init(width: Int, height: Int, command: String, terminal: String = "tmux-256color") throws {
        guard Self.executable != nil else { throw Failure.tmuxFailed(arguments: [], status: -1, output: Self.unavailableReason) }
        socket = "flightdeck-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        target = "main"
        _ = try tmux([
            "start-server", ";",
            "set-option", "-g", "default-terminal", terminal, ";",
            "set-option", "-g", "status", "off", ";",
            "set-option", "-g", "history-limit", "0", ";",
            "new-session", "-d", "-s", target, "-x", "\(width)", "-y", "\(height)", command,
        ])
    }

    deinit { kill() }

    // MARK: - Driving it

    /// Sends keys by tmux name (`PageDown`, `C-c`, `q`, `F5`, `BTab`).
    public func sendKeys(_ keys: String...) async throws {
        _ = try await tmuxOffThread(["send-keys", "-t", target] + keys)
    }

    /// Resizes the window, which sends the program SIGWINCH.
    public func resize(width: Int, height: Int) async throws {
        _ = try await tmuxOffThread(["resize-window", "-t", target, "-x", "\(width)", "-y", "\(height)"])
    }

    /// The screen, one string per row (trailing blanks trimmed by tmux); with `escapes`, the
    /// SGR sequences of each cell's colours and attributes too.
    public func capture(escapes: Bool = false) async throws -> [String] {
        let output = try await tmuxOffThread(["capture-pane", "-p", "-t", target] + (escapes ? ["-e"] : []))
        var lines = output.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// A tmux format about the pane: `#{alternate_on}`, `#{cursor_flag}`, `#{pane_pid}`.
    public func display(_ format: String) async throws -> String {
        try await tmuxOffThread(["display-message", "-p", "-t", target, format])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls the screen until `condition` holds, for up to `timeout` (generous: a loaded
    /// machine is slow, and the wait ends as soon as the screen is right).
    @discardableResult
    public func waitFor(_ description: String, timeout: Duration = .seconds(60), escapes: Bool = false,
                        _ condition: ([String]) -> Bool) async throws -> [String] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var screen: [String] = []
        while clock.now < deadline {
            screen = try await capture(escapes: escapes)
            if condition(screen) { return screen }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Failure.timedOut(waitingFor: description, screen: screen)
    }

    /// Polls until `text` is on screen.
    @discardableResult
    public func waitFor(text: String, timeout: Duration = .seconds(60)) async throws -> [String] {
        try await waitFor("\"\(text)\"", timeout: timeout) { $0.contains { $0.contains(text) } }
    }

    /// The processes whose parent is `pid` (Linux `/proc`): finds the program a pane's
    /// shell started.
    public static func children(of pid: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry -> Int32? in
            guard let candidate = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == pid ? candidate : nil
        }
    }

    /// Ends the server and everything in it. Idempotent.
    ///
    /// The pane's process group is killed first: tmux 3.3's `kill-server` waits for pane
    /// processes that do not die of the hangup.
    public func kill() {
        if let pid = try? tmux(["display-message", "-p", "-t", target, "#{pane_pid}"])
            .trimmingCharacters(in: .whitespacesAndNewlines), let pid = Int32(pid), pid > 1 {
            Foundation.kill(-pid, SIGKILL)
            Foundation.kill(pid, SIGKILL)
        }
        _ = try? tmux(["kill-server"])
    }

    // MARK: - Running tmux

    /// Runs a tmux command and waits for it on a thread of its own: tests poll the screen
    /// every 50 ms, and a wait for a process parked on one of the two cooperative threads
    /// would starve the in-process servers other tests talk to.
    private func tmuxOffThread(_ arguments: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try self.tmux(arguments) }) }.start()
        }
    }

    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        let process = Process()
        let tmuxArguments = ["-L", socket, "-f", "/dev/null"] + arguments
        if FileManager.default.isExecutableFile(atPath: "/bin/bash") {
            // The server outlives this call and inherits every descriptor the test process
            // left open (other tests' pipes included, which would then never see EOF):
            // close all but stdio before exec'ing tmux.
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [
                "-c",
                #"for f in /proc/$$/fd/*; do n=${f##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi; done 2>/dev/null; exec "$0" "$@""#,
                Self.executable ?? "/usr/bin/tmux",
            ] + tmuxArguments
        } else {
            process.executableURL = URL(fileURLWithPath: Self.executable ?? "/usr/bin/tmux")
            process.arguments = tmuxArguments
        }
        var environment = ProcessInfo.processInfo.environment
        for name in ["TMUX", "TMUX_PANE", "NO_COLOR", "COLORTERM", "LC_ALL", "LC_CTYPE"] { environment[name] = nil }
        environment["LANG"] = "C.UTF-8"
        process.environment = environment
        // A file, not a pipe: the daemonised server must not hold our read end's writer open.
        let outputPath = NSTemporaryDirectory() + "tmux-output-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try? output.close()
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw Failure.tmuxFailed(arguments: arguments, status: process.terminationStatus, output: text)
        }
        return text
    }
}
