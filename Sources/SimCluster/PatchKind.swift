/// The patch content types the store applies (`application/merge-patch+json` and
/// `application/strategic-merge-patch+json`); JSON Patch is not served.
public enum PatchKind: Sendable, Hashable {
    case merge
    case strategicMerge
}
