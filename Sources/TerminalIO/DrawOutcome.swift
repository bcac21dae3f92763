/// What a backend did with a batch of runs.
public enum DrawOutcome: Sendable, Hashable {
    /// The runs are on screen.
    case drawn
    /// Nothing was drawn: the backend had to start over (its colour-pair cache was full), and
    /// the session must send the whole frame again, with a clear.
    case needsFullRedraw
}
