/// Which ncurses colour pair draws a (foreground, background) combination.
///
/// Pairs are a finite resource (`COLOR_PAIRS`: 64 on an 8-colour terminal, 65536 under
/// tmux-256color). The cache hands out pair numbers 1...capacity and, when a new
/// combination would exceed that, refuses it; the backend then resets the cache and redraws
/// the whole frame, so pair numbers are reused rather than counted up forever.
public struct ColorPairCache: Sendable {
    /// A pair's colours as ncurses numbers (-1 for the terminal's default).
    public struct Key: Sendable, Hashable {
        public var foreground: Int32
        public var background: Int32
        public init(foreground: Int32, background: Int32) {
            self.foreground = foreground
            self.background = background
        }
    }

    /// How many pairs may be defined (pair 0 is the terminal default and never redefined).
    public let capacity: Int
    private var pairs: [Key: Int32] = [:]

    public init(capacity: Int) { self.capacity = max(0, capacity) }

    public var count: Int { pairs.count }

    /// The pair for `key`: `(pair, isNew)` where a new pair must be defined with
    /// `init_extended_pair` before use; nil when the cache is full.
    public mutating func pair(for key: Key) -> (pair: Int32, isNew: Bool)? {
        if key.foreground == -1, key.background == -1 { return (0, false) }
        if let pair = pairs[key] { return (pair, false) }
        guard pairs.count < capacity else { return nil }
        let pair = Int32(pairs.count + 1)
        pairs[key] = pair
        return (pair, true)
    }

    /// Whether `keys` all fit, counting the ones already assigned.
    public func canFit(_ keys: Set<Key>) -> Bool {
        var extra = 0
        for key in keys where pairs[key] == nil && !(key.foreground == -1 && key.background == -1) { extra += 1 }
        return pairs.count + extra <= capacity
    }

    /// Forgets every assignment: numbering starts again at 1.
    public mutating func reset() { pairs.removeAll(keepingCapacity: true) }
}
