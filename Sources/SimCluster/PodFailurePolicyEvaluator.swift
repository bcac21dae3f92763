import FlightdeckCore
import KubeModel

/// A Job's `podFailurePolicy` applied to one failed pod, as the Job controller's
/// `matchPodFailurePolicy`: rules in order, the first match decides; exit code 0 never
/// matches; container statuses are searched before init containers'.
enum PodFailurePolicyEvaluator {
    struct Match: Equatable {
        var action: PodFailurePolicyAction
        /// Upstream's sentence, used as the Job condition's message for `FailJob`.
        var message: String
    }

    static func match(_ policy: PodFailurePolicy, pod: Pod) -> Match? {
        let namespace = pod.namespace ?? ""
        let podName = pod.name ?? ""
        for (index, rule) in policy.rules.enumerated() {
            guard let action = rule.action else { continue }
            if let onExitCodes = rule.onExitCodes {
                for status in pod.status.containerStatuses + pod.status.initContainerStatuses {
                    guard let exitCode = status.state.terminated?.exitCode, exitCode != 0,
                        onExitCodes.matches(exitCode: exitCode, container: status.name ?? "")
                    else { continue }
                    return Match(action: action, message: "Container \(status.name ?? "") for pod \(namespace)/\(podName) "
                        + "failed with exit code \(exitCode) matching \(action.rawValue) rule at index \(index)")
                }
                continue
            }
            for pattern in rule.onPodConditions {
                guard let type = pattern.type else { continue }
                let wanted = pattern.status ?? .true
                if pod.status.conditions.contains(where: { $0.type == type && $0.status == wanted }) {
                    return Match(action: action, message: "Pod \(namespace)/\(podName) has condition \(type) "
                        + "matching \(action.rawValue) rule at index \(index)")
                }
            }
        }
        return nil
    }
}
