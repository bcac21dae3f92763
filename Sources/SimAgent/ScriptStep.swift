/// What the agent does in one step of its loop: a STRATEGIC part (thoughts) then a TACTICAL
/// part (tool calls and their observations), the files it changes, and the line it adds to
/// its notes. Produced by `AgentScript.step(_:instructions:)`.
public struct ScriptStep: Sendable, Hashable {
    /// 1-based.
    public var index: Int
    public var records: [ScriptRecord]
    public var edits: [WorkspaceEdit]
    /// One line for the notes file and the checkpoint's metadata.
    public var summary: String

    public init(index: Int, records: [ScriptRecord], edits: [WorkspaceEdit], summary: String) {
        self.index = index
        self.records = records
        self.edits = edits
        self.summary = summary
    }
}
