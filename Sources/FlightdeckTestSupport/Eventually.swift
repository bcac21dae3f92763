/// Polls `condition` until it holds: tests wait for an outcome, never for a fixed time (a
/// test's `.timeLimit` guards against a hang).
public func eventually(_ condition: () async throws -> Bool) async throws {
    while true {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
}
