import FlightdeckCore

/// The security contexts every Flightdeck pod and container carries: the Pod Security
/// Standard `restricted` profile, plus a read-only root filesystem.
///
/// Why at both levels: `restricted` accepts `runAsNonRoot` and `seccompProfile` from the pod,
/// but `allowPrivilegeEscalation` and `capabilities` only per container, so each container
/// (init and sidecar ones included) gets the container context; builders take these values
/// rather than writing their own, so no container can be missed.
enum RestrictedSecurity {
    /// UID and GID of every process, and the group that owns mounted volumes.
    static let userID: Int64 = 1000

    static var pod: JSONValue {
        [
            "runAsNonRoot": true,
            "runAsUser": .integer(userID),
            "runAsGroup": .integer(userID),
            "fsGroup": .integer(userID),
            // Large workspaces: only chown when the volume's root is not ours already.
            "fsGroupChangePolicy": "OnRootMismatch",
            "seccompProfile": ["type": "RuntimeDefault"],
        ]
    }

    static var container: JSONValue {
        [
            "allowPrivilegeEscalation": false,
            "readOnlyRootFilesystem": true,
            "runAsNonRoot": true,
            "capabilities": ["drop": ["ALL"]],
        ]
    }
}
