/// What sits on top of the panes and takes the keys while it is open.
public enum Overlay: Sendable, Hashable {
    case none
    case help(scroll: Int)
    /// The `:` command line, with what has been typed.
    case commandLine(String)
    /// The trace's `/` search being typed.
    case search(String)
    /// The job list's `/` text filter being typed.
    case jobFilter(String)
    /// A destructive intent waiting for y/n.
    case confirm(JobIntent)
    case taskForm(TaskForm)
    /// Instructions for the agent of `job`, being typed.
    case steer(job: String, text: String)
    /// The queues to move the queued `job` to, with the one under the cursor.
    case pickQueue(job: String, queues: [String], cursor: Int)
}
