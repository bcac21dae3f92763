/// Where a simulated agent's output goes. Emitting never waits and never fails: an agent
/// does not stop because nobody listens (a NATS publisher buffers or drops).
///
/// Implementations: `LineSink` (stdout lines, i.e. the container log) here; a NATS publisher
/// can be added by mapping `emission.channel` to `OperatorCommand.subject(_:forJob:)`.
public protocol TraceSink: Sendable {
    func emit(_ emission: AgentEmission)
}

/// Writes emissions as lines to a closure: the container's stdout in the simulated cluster
/// (the kubelet's log store) or the process's stdout.
///
/// Only trace records by default: on the pod-log path a control event would read as a
/// message record with an unknown `type`. The script puts what matters of them in the trace
/// anyway (each record has its phase; checkpoints and status changes are message records).
public struct LineSink: TraceSink {
    public let includeEvents: Bool
    private let write: @Sendable (String) -> Void

    public init(includeEvents: Bool = false, write: @escaping @Sendable (String) -> Void) {
        self.includeEvents = includeEvents
        self.write = write
    }

    public func emit(_ emission: AgentEmission) {
        guard emission.channel == .logs || includeEvents else { return }
        write(emission.line)
    }
}

/// Sends every emission to several sinks (the log and a NATS publisher).
public struct FanOutSink: TraceSink {
    public let sinks: [any TraceSink]
    public init(_ sinks: [any TraceSink]) { self.sinks = sinks }
    public func emit(_ emission: AgentEmission) {
        for sink in sinks { sink.emit(emission) }
    }
}
