import Foundation

/// A TCP relay on loopback (a Python peer) that can freeze: on SIGUSR1 every connection
/// open at that moment stops relaying in both directions but stays open — a dead stream
/// the client cannot tell from a quiet one. On SIGUSR2 it cuts every open connection (a
/// dropped link). New connections relay normally.
public final class FreezingProxy: @unchecked Sendable {
    public let process = Process()
    public let port: Int
    private let statusFile: String
    private let directory = TemporaryDirectory("flightdeck-proxy")

    public init(target: Int) throws {
        statusFile = directory.file("connections")
        let script = #"""
            import socket, threading, signal, sys
            target = int(sys.argv[1]); status = sys.argv[2]
            frozen = set(); conns = []; lock = threading.Lock(); count = [0]
            def freeze(*_):
                with lock:
                    for c in conns: frozen.add(c)
                    open(status + ".frozen", "w").write(str(len(frozen)))
            sockets = []; cuts = [0]
            def cut(*_):
                with lock:
                    for s in sockets:
                        try: s.shutdown(socket.SHUT_RDWR)
                        except Exception: pass
                    sockets.clear(); cuts[0] += 1
                    open(status + ".cut", "w").write(str(cuts[0]))
            signal.signal(signal.SIGUSR1, freeze)
            signal.signal(signal.SIGUSR2, cut)
            # The test runner may start children with signals blocked.
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGUSR1, signal.SIGUSR2])
            def pump(a, b, key):
                try:
                    while True:
                        data = a.recv(65536)
                        if not data: break
                        with lock:
                            if key in frozen: continue
                        b.sendall(data)
                except Exception: pass
                with lock:
                    if key in frozen: return
                for s in (a, b):
                    try: s.shutdown(socket.SHUT_RDWR)
                    except Exception: pass
            server = socket.socket(); server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("127.0.0.1", 0)); server.listen(64)
            print(server.getsockname()[1], flush=True)
            while True:
                client, _ = server.accept()
                try: upstream = socket.create_connection(("127.0.0.1", target))
                except OSError:  # the target is down (restarting): refuse this one, keep serving
                    client.close(); continue
                key = object()
                with lock:
                    conns.append(key); count[0] += 1; sockets.extend([client, upstream])
                    open(status, "w").write(str(count[0]))
                threading.Thread(target=pump, args=(client, upstream, key), daemon=True).start()
                threading.Thread(target=pump, args=(upstream, client, key), daemon=True).start()
            """#
        let out = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, String(target), statusFile]
        process.standardOutput = out
        // Never the test process's own stdio: a relay that outlived a crashed test process
        // would hold `swift test`'s pipe open, and the run would never end.
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let line = FirstLine.read(from: out.fileHandleForReading)
        port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// Freezes the open connections; returns once the relay has done so.
    public func freeze() async throws {
        kill(process.processIdentifier, SIGUSR1)
        while !FileManager.default.fileExists(atPath: statusFile + ".frozen") {
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Cuts every open connection; returns once the relay has done so.
    public func cut() async throws {
        let marker = statusFile + ".cut"
        let before = (try? String(contentsOfFile: marker, encoding: .utf8)) ?? "0"
        kill(process.processIdentifier, SIGUSR2)
        while ((try? String(contentsOfFile: marker, encoding: .utf8)) ?? "0") == before {
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Connections accepted so far.
    public func connectionCount() throws -> Int {
        Int((try? String(contentsOfFile: statusFile, encoding: .utf8)) ?? "0") ?? 0
    }

    private var stopped = false

    /// Kills the relay. Also done at deinit: a relay left running holds the test runner's
    /// stderr open, and `swift test` then waits for it forever after the tests ended.
    public func stop() {
        guard !stopped, process.isRunning || process.processIdentifier > 0 else { return }
        stopped = true
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }
}
