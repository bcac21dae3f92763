/// A run of text in one style.
struct Segment: Sendable, Hashable {
    var text: String
    var slot: ThemeSlot
}
