import FlightdeckCore
import KubeModel

/// What `flightdeck install --apply` does with one object, decided from the desired object and
/// what the cluster has: create it, leave it, or patch it.
///
/// Why "contains" rather than equality: the API server adds defaults (a Service's clusterIP, a
/// container's terminationMessagePath, status, managed fields), so the live object is always a
/// superset. An object is unchanged when every field Flightdeck sets has the value it sets;
/// lists must match element by element (same length), each element compared the same way.
public enum ApplyPlan: Sendable, Hashable {
    case create
    case unchanged
    /// A JSON merge patch (RFC 7386) setting every field Flightdeck owns.
    case patch(JSONValue)

    public static func decide(desired: JSONValue, live: JSONValue?) -> ApplyPlan {
        guard let live else { return .create }
        if contains(live, desired) { return .unchanged }
        var patch = desired
        patch.removeMember("apiVersion")
        patch.removeMember("kind")
        return .patch(patch)
    }

    /// Whether `live` has every field of `desired` with the same value.
    public static func contains(_ live: JSONValue, _ desired: JSONValue) -> Bool {
        switch (live, desired) {
        case (.object, .object(let members)):
            return members.allSatisfy { member in live[member.key].map { contains($0, member.value) } ?? false }
        case (.array(let liveElements), .array(let desiredElements)):
            return liveElements.count == desiredElements.count
                && zip(liveElements, desiredElements).allSatisfy { contains($0, $1) }
        case (.integer(let a), .double(let b)), (.double(let b), .integer(let a)):
            return Double(a) == b
        default:
            return live == desired
        }
    }
}
