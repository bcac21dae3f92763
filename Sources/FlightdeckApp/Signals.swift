import Dispatch
import Foundation

/// Waiting for the operator (or the system) to ask a long-running command to stop.
public enum Signals {
    /// Returns on the first SIGINT, SIGTERM or SIGHUP; their default actions are replaced so
    /// the command can shut down cleanly.
    public static func waitForTermination() async {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { continuation.yield(signalNumber) }
            source.resume()
            sources.append(source)
        }
        for await _ in stream { break }
        for source in sources { source.cancel() }
    }
}
