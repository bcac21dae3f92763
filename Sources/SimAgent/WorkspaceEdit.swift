/// A change the agent makes to its workspace, as data: the script stays pure and the runner
/// applies it to the real directory. Paths are relative to the workspace root.
public enum WorkspaceEdit: Sendable, Hashable {
    /// Create or replace a file.
    case write(path: String, content: String)
    /// Append to a file (created when missing).
    case append(path: String, text: String)

    public var path: String {
        switch self {
        case .write(let path, _), .append(let path, _): path
        }
    }
}
