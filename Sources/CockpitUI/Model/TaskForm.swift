/// The new-task form: the draft and the field being edited.
public struct TaskForm: Sendable, Hashable {
    public var draft: TaskDraft
    public var field: TaskDraft.Field
    /// Why the last Enter did not submit.
    public var error: String?

    public init(draft: TaskDraft = TaskDraft(), field: TaskDraft.Field = .prompt, error: String? = nil) {
        self.draft = draft
        self.field = field
        self.error = error
    }
}
