/// One row of the keymap: a key, where it applies, what it does, and how help and the
/// status bar describe it.
public struct KeyBinding: Sendable, Hashable {
    public var key: Key
    public var context: KeyContext
    public var action: KeyAction
    /// The help overlay's description.
    public var help: String
    /// The status bar's short label, for the bindings worth a hint.
    public var hint: String?

    public init(_ key: Key, _ context: KeyContext, _ action: KeyAction, _ help: String, hint: String? = nil) {
        self.key = key
        self.context = context
        self.action = action
        self.help = help
        self.hint = hint
    }
}
