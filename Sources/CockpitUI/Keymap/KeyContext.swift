/// Where a key is pressed: a pane with focus, or an overlay that takes the keys.
public enum KeyContext: String, Sendable, Hashable, CaseIterable {
    case global, jobs, trace, timeline, files
    case help, confirm, prompt, taskForm, picker

    public var title: String {
        switch self {
        case .global: "Everywhere"
        case .jobs: "Jobs"
        case .trace: "Trace"
        case .timeline: "Timeline"
        case .files: "Files"
        case .help: "Help"
        case .confirm: "Confirmation"
        case .prompt: "Command line, search, filter, steer"
        case .taskForm: "New task form"
        case .picker: "Queue picker"
        }
    }
}
