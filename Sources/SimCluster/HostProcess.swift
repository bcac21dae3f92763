import CProcess
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A container instance that is a real process on this machine: started as the leader of a
/// session of its own, its stdout and stderr written line by line to the container's log, its
/// exit reported as a shell reports it (128 + signal).
///
/// What a container's cgroup does, emulated: every process of the container carries
/// `FLIGHTDECK_SIM_CONTAINER=<id>` in its environment (children inherit it, whatever session
/// or group they start), and when the container ends or is killed, every process that carries
/// it is SIGKILLed — so a command the agent started in a session of its own (its execute
/// tool does) does not outlive its pod. As a runtime does, SIGTERM goes to the main process only.
///
/// One thread of its own per process starts it, reads its output and reaps it: nothing here
/// blocks the cooperative pool. Started through `setpriv --pdeathsig KILL` where there is
/// one, so the process dies with the simulation however that ends; the death signal fires
/// when the starting *thread* ends, and this thread lives exactly as long as the process.
final class HostProcess: ContainerProcess {
    private struct State {
        var pid: pid_t = 0
        /// Reaped: from here on the id may belong to another process.
        var reaped = false
        /// Set once the output is drained too: what `wait()` answers.
        var status: ContainerExitStatus?
        /// Signals asked for before the process existed, delivered once it does.
        var terminateRequested = false
        var killRequested = false
        var waiters: [CheckedContinuation<ContainerExitStatus, Never>] = []
    }

    private let state = Mutex(State())
    /// The longest line kept whole; a longer one is cut into lines of this size (agents'
    /// output is hostile: a line without an end must not grow without bound).
    static let maximumLine = 1 << 20

    /// Starts `arguments` (the first resolved on `environment["PATH"]`) in `directory`;
    /// a process that cannot start exits 127 (not found) or 126 (cannot execute), with the
    /// reason on the log's stderr, as a container runtime reports it.
    /// The variable that marks the container's processes.
    static let markerVariable = "FLIGHTDECK_SIM_CONTAINER"
    private let marker: String

    init(id: String, arguments: [String], environment: [String: String], directory: String, log: ContainerLogFile) {
        marker = Self.markerVariable + "=" + id
        let environment = environment.merging([Self.markerVariable: id]) { $1 }
        let thread = Thread { [self] in run(arguments: arguments, environment: environment, directory: directory, log: log) }
        thread.name = "container " + (arguments.first ?? "")
        thread.start()
    }

    func wait() async -> ContainerExitStatus {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> ContainerExitStatus? in
                if let status = state.status { return status }
                state.waiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    /// SIGTERM to the main process now; when the grace period is over, SIGKILL to every
    /// process of the container (a no-op once it has been reaped).
    func stop(gracePeriod: Duration) {
        guard state.withLock({ !$0.reaped }) else { return }
        signal(SIGTERM)
        let seconds = Double(gracePeriod.components.seconds) + Double(gracePeriod.components.attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in signal(SIGKILL) }
    }

    /// Signals the main process (SIGKILL: the whole container) while it has not been reaped,
    /// so the id cannot belong to anything else.
    private func signal(_ number: Int32) {
        state.withLock { state in
            if number == SIGKILL { state.killRequested = true } else { state.terminateRequested = true }
            guard !state.reaped, state.pid > 0 else { return }
            _ = kill(number == SIGKILL ? -state.pid : state.pid, number)
        }
    }

    /// SIGKILL to every process that carries the container's mark (twice: one may have been
    /// forking during the first pass).
    private func killMarked() {
        for _ in 0..<2 {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            let me = getpid()
            for pid in entries.compactMap(Int32.init) where pid != me {
                guard let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { continue }
                if environment.split(separator: 0).contains(where: { $0.elementsEqual(marker.utf8) }) {
                    _ = kill(pid, SIGKILL)
                }
            }
        }
    }

    // MARK: - The process's own thread

    private func run(arguments: [String], environment: [String: String], directory: String, log: ContainerLogFile) {
        let status = spawnAndFollow(arguments: arguments, environment: environment, directory: directory, log: log)
        let waiters = state.withLock { state -> [CheckedContinuation<ContainerExitStatus, Never>] in
            state.status = status
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: status) }
    }

    private func spawnAndFollow(arguments: [String], environment: [String: String], directory: String,
        log: ContainerLogFile) -> ContainerExitStatus
    {
        guard let program = arguments.first, let path = Self.resolve(program, path: environment["PATH"] ?? "") else {
            log.append("exec: \"\(arguments.first ?? "")\": executable file not found in $PATH", stream: "stderr")
            return ContainerExitStatus(code: 127)
        }
        var argv = [path] + arguments.dropFirst()
        var executable = path
        if FileManager.default.isExecutableFile(atPath: Self.setpriv) {
            executable = Self.setpriv
            argv = [Self.setpriv, "--pdeathsig", "KILL", "--"] + argv
        }
        var outputPipe: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        guard flightdeck_pipe_cloexec(&outputPipe) == 0 else { return Self.failed("pipe: \(errno)", log) }
        guard flightdeck_pipe_cloexec(&errorPipe) == 0 else {
            close(outputPipe[0])
            close(outputPipe[1])
            return Self.failed("pipe: \(errno)", log)
        }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        var pid: pid_t = 0
        let result = withCStrings(argv) { argvPointer in
            withCStrings(environment.map { "\($0.key)=\($0.value)" }.sorted()) { envPointer in
                flightdeck_spawn_session(executable, argvPointer, envPointer, directory, null, outputPipe[1], errorPipe[1],
                    &pid)
            }
        }
        close(null)
        close(outputPipe[1])
        close(errorPipe[1])
        guard result == 0 else {
            close(outputPipe[0])
            close(errorPipe[0])
            return Self.failed("exec \(path): \(String(cString: strerror(result)))", log, code: 126)
        }
        state.withLock { state in
            state.pid = pid
            // A stop that came while it was starting.
            if state.killRequested {
                _ = kill(-pid, SIGKILL)
            } else if state.terminateRequested {
                _ = kill(pid, SIGTERM)
            }
        }

        var streams = [LineBuffer(fd: outputPipe[0], stream: "stdout"), LineBuffer(fd: errorPipe[0], stream: "stderr")]
        var exitCode: Int32?
        var drainDeadline: ContinuousClock.Instant?
        while streams.contains(where: { !$0.closed }) {
            var polled = streams.filter { !$0.closed }.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            _ = poll(&polled, nfds_t(polled.count), 200)
            for entry in polled where entry.revents != 0 {
                guard let index = streams.firstIndex(where: { $0.fd == entry.fd }) else { continue }
                streams[index].read(into: log)
            }
            if exitCode == nil {
                exitCode = reapIfExited(pid)
                if exitCode != nil {
                    // The container is gone: so is everything it started.
                    killMarked()
                    drainDeadline = .now + .seconds(2)
                }
            } else if let deadline = drainDeadline, ContinuousClock.now > deadline {
                break
            }
        }
        for index in streams.indices { streams[index].finish(into: log) }
        if exitCode == nil {
            // Both pipes closed before the exit was seen: wait for it here (this thread is the
            // process's own), reaping under the lock as above so no signal can reach a reused id.
            exitCode = reapIfExited(pid)
            while exitCode == nil {
                usleep(50_000)
                exitCode = reapIfExited(pid)
            }
            killMarked()
        }
        return ContainerExitStatus(code: exitCode!)
    }

    /// `waitpid(WNOHANG)` under the lock, so the id is never signalled after it was reaped.
    private func reapIfExited(_ pid: pid_t) -> Int32? {
        state.withLock { state -> Int32? in
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
            state.reaped = true
            return flightdeck_exit_code(status)
        }
    }

    private static func failed(_ message: String, _ log: ContainerLogFile, code: Int32 = 128) -> ContainerExitStatus {
        log.append(message, stream: "stderr")
        return ContainerExitStatus(code: code)
    }

    static let setpriv = "/usr/bin/setpriv"

    /// `program` itself when it holds a `/`, else the first executable of that name on `path`.
    static func resolve(_ program: String, path: String) -> String? {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
        for directory in path.split(separator: ":") {
            let candidate = directory + "/" + program
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// One output pipe: bytes in, whole lines out to the log (a line longer than
    /// `maximumLine` is cut), invalid UTF-8 replaced.
    struct LineBuffer {
        let fd: Int32
        let stream: String
        var pending: [UInt8] = []
        var closed = false
        /// The read buffer, reused for every read.
        var chunk = [UInt8](repeating: 0, count: 65536)

        mutating func read(into log: ContainerLogFile) {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && (errno == EINTR || errno == EAGAIN) { return }
            guard count > 0 else {
                finish(into: log)
                return
            }
            pending += chunk[0..<count]
            var start = 0
            var lines: [String] = []
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                lines.append(String(decoding: pending[start..<newline], as: UTF8.self))
                start = newline + 1
            }
            while pending.count - start >= HostProcess.maximumLine {
                lines.append(String(decoding: pending[start..<start + HostProcess.maximumLine], as: UTF8.self))
                start += HostProcess.maximumLine
            }
            pending.removeFirst(start)
            if !lines.isEmpty { log.append(lines.joined(separator: "\n"), stream: stream) }
        }

        mutating func finish(into log: ContainerLogFile) {
            guard !closed else { return }
            closed = true
            close(fd)
            if !pending.isEmpty { log.append(String(decoding: pending, as: UTF8.self), stream: stream) }
            pending = []
        }
    }
}

/// Calls `body` with a NULL-terminated C array of `strings`.
private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
