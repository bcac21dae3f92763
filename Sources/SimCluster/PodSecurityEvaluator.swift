import FlightdeckCore
import KubeModel

/// The Pod Security Standards checks (k8s.io/pod-security-admission `policy`), with the
/// upstream reasons and detail sentences so messages read exactly as a real cluster's.
///
/// Why the order matters: upstream runs the baseline checks that restricted does not
/// replace, then the restricted checks, each group in check-ID (source file) order; the
/// joined message lists violations in that order (`privileged (…), allowPrivilegeEscalation
/// != false (…), …`). Baseline-only checks that restricted replaces (`capabilities_baseline`,
/// `hostPathVolumes`, `seccompProfile_baseline`) run only at the baseline level.
///
/// Containers are visited as upstream's `visitContainers`: init containers (native
/// sidecars included), then containers, then ephemeral containers.
public enum PodSecurityEvaluator {
    public enum Level: String, Sendable, Hashable, CaseIterable {
        case privileged, baseline, restricted
    }

    /// The violations of `podSpec` (with `podMetadata`, for AppArmor annotations) at `level`.
    public static func evaluate(level: Level, podMetadata: JSONValue, podSpec: JSONValue)
        -> [Status.PodSecurityViolation]
    {
        guard level != .privileged else { return [] }
        let pod = PodView(metadata: podMetadata, spec: podSpec)
        var checks: [(PodView) -> Status.PodSecurityViolation?] = [
            appArmorProfile, hostNamespaces, hostPorts, privileged, procMount, seLinuxOptions, sysctls,
            windowsHostProcess,
        ]
        if level == .baseline {
            checks += [capabilitiesBaseline, hostPathVolumes, seccompProfileBaseline]
        } else {
            checks += [allowPrivilegeEscalation, capabilitiesRestricted, restrictedVolumes, runAsNonRoot, runAsUser,
                seccompProfileRestricted]
        }
        return checks.compactMap { $0(pod) }
    }

    // MARK: - The pod as the checks see it

    struct PodView {
        var metadata: JSONValue
        var spec: JSONValue
        /// Init, regular, then ephemeral containers.
        var containers: [JSONValue]
        var podContext: JSONValue?
        var isWindows: Bool

        init(metadata: JSONValue, spec: JSONValue) {
            self.metadata = metadata
            self.spec = spec
            containers = ["initContainers", "containers", "ephemeralContainers"].flatMap {
                spec[$0]?.arrayValue ?? []
            }
            podContext = spec["securityContext"]
            isWindows = spec[path: ["os", "name"]]?.stringValue == "windows"
        }

        func name(_ container: JSONValue) -> String { container["name"]?.stringValue ?? "" }
        func context(_ container: JSONValue, _ path: String...) -> JSONValue? {
            container[path: ["securityContext"] + path]
        }
        /// User namespaces (`hostUsers: false`) relax the run-as-root checks upstream.
        var usesUserNamespace: Bool { spec["hostUsers"]?.boolValue == false }
    }

    static func pluralize(_ singular: String, _ plural: String, _ count: Int) -> String {
        count == 1 ? singular : plural
    }

    static func joinQuote(_ items: [String]) -> String { items.map { "\"\($0)\"" }.joined(separator: ", ") }

    static func containersPhrase(_ names: [String]) -> String {
        "\(pluralize("container", "containers", names.count)) \(joinQuote(names))"
    }

    static func violation(_ reason: String, _ detail: String) -> Status.PodSecurityViolation {
        Status.PodSecurityViolation(reason: reason, detail: detail)
    }

    // MARK: - Baseline

    static func appArmorProfile(_ pod: PodView) -> Status.PodSecurityViolation? {
        var bad: [String] = []
        for member in pod.metadata["annotations"]?.members ?? [] {
            guard member.key.hasPrefix("container.apparmor.security.beta.kubernetes.io/"),
                let value = member.value.stringValue
            else { continue }
            if !(value.isEmpty || value == "runtime/default" || value.hasPrefix("localhost/")) {
                bad.append("\(member.key)=\"\(value)\"")
            }
        }
        // The securityContext field (1.30+): only Unconfined is forbidden.
        if pod.podContext?[path: ["appArmorProfile", "type"]]?.stringValue == "Unconfined" {
            bad.append("pod=\"Unconfined\"")
        }
        for container in pod.containers
        where pod.context(container, "appArmorProfile", "type")?.stringValue == "Unconfined" {
            bad.append("container \"\(pod.name(container))\"=\"Unconfined\"")
        }
        guard !bad.isEmpty else { return nil }
        bad.sort()
        return violation(pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", bad.count),
            bad.joined(separator: ", "))
    }

    static func hostNamespaces(_ pod: PodView) -> Status.PodSecurityViolation? {
        let used = ["hostNetwork", "hostPID", "hostIPC"].filter { pod.spec[$0]?.boolValue == true }.map { "\($0)=true" }
        return used.isEmpty ? nil : violation("host namespaces", used.joined(separator: ", "))
    }

    static func hostPorts(_ pod: PodView) -> Status.PodSecurityViolation? {
        var names: [String] = []
        var ports = Set<Int64>()
        for container in pod.containers {
            let used = (container["ports"]?.arrayValue ?? []).compactMap { $0["hostPort"]?.int64Value }.filter { $0 != 0 }
            if !used.isEmpty {
                names.append(pod.name(container))
                ports.formUnion(used)
            }
        }
        guard !names.isEmpty else { return nil }
        // Upstream sorts the ports as strings (a sets.String).
        let list = ports.map(String.init).sorted()
        return violation("hostPort", "\(containersPhrase(names)) \(pluralize("uses", "use", names.count)) "
            + "\(pluralize("hostPort", "hostPorts", list.count)) \(list.joined(separator: ", "))")
    }

    static func privileged(_ pod: PodView) -> Status.PodSecurityViolation? {
        let names = pod.containers.filter { pod.context($0, "privileged")?.boolValue == true }.map(pod.name)
        return names.isEmpty ? nil
            : violation("privileged", "\(containersPhrase(names)) must not set securityContext.privileged=true")
    }

    static func procMount(_ pod: PodView) -> Status.PodSecurityViolation? {
        var names: [String] = []
        var values = Set<String>()
        for container in pod.containers {
            if let mount = pod.context(container, "procMount")?.stringValue, mount != "Default", !mount.isEmpty {
                names.append(pod.name(container))
                values.insert(mount)
            }
        }
        return names.isEmpty ? nil : violation("procMount",
            "\(containersPhrase(names)) must not set securityContext.procMount to \(joinQuote(values.sorted()))")
    }

    static func seLinuxOptions(_ pod: PodView) -> Status.PodSecurityViolation? {
        let allowedTypes: Set<String> = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]
        var badTypes = Set<String>()
        var setUser = false
        var setRole = false
        func valid(_ options: JSONValue) -> Bool {
            var ok = true
            let type = options["type"]?.stringValue ?? ""
            if !allowedTypes.contains(type) {
                ok = false
                badTypes.insert(type)
            }
            if !(options["user"]?.stringValue ?? "").isEmpty {
                ok = false
                setUser = true
            }
            if !(options["role"]?.stringValue ?? "").isEmpty {
                ok = false
                setRole = true
            }
            return ok
        }
        var setters: [String] = []
        if let options = pod.podContext?["seLinuxOptions"], !valid(options) { setters.append("pod") }
        let names = pod.containers.filter { container in
            pod.context(container, "seLinuxOptions").map { !valid($0) } ?? false
        }.map(pod.name)
        if !names.isEmpty { setters.append(containersPhrase(names)) }
        guard !setters.isEmpty else { return nil }
        var data: [String] = []
        if !badTypes.isEmpty {
            data.append("\(pluralize("type", "types", badTypes.count)) \(joinQuote(badTypes.sorted()))")
        }
        if setUser { data.append("user may not be set") }
        if setRole { data.append("role may not be set") }
        return violation("seLinuxOptions", "\(setters.joined(separator: " and ")) set forbidden "
            + "securityContext.seLinuxOptions: \(data.joined(separator: "; "))")
    }

    /// The namespaced, isolated sysctls baseline allows (as of 1.32).
    static let safeSysctls: Set<String> = [
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
    ]

    static func sysctls(_ pod: PodView) -> Status.PodSecurityViolation? {
        let bad = (pod.podContext?["sysctls"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            .filter { !safeSysctls.contains($0) }
        return bad.isEmpty ? nil : violation("forbidden sysctls", bad.joined(separator: ", "))
    }

    static func windowsHostProcess(_ pod: PodView) -> Status.PodSecurityViolation? {
        var setters: [String] = []
        if pod.podContext?[path: ["windowsOptions", "hostProcess"]]?.boolValue == true { setters.append("pod") }
        let names = pod.containers.filter { pod.context($0, "windowsOptions", "hostProcess")?.boolValue == true }
            .map(pod.name)
        if !names.isEmpty { setters.append(containersPhrase(names)) }
        return setters.isEmpty ? nil : violation("hostProcess",
            "\(setters.joined(separator: " and ")) must not set securityContext.windowsOptions.hostProcess=true")
    }

    /// The container runtime's default capability set, which baseline allows adding.
    static let defaultCapabilities: Set<String> = [
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP",
        "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    ]

    static func capabilitiesBaseline(_ pod: PodView) -> Status.PodSecurityViolation? {
        var names: [String] = []
        var bad = Set<String>()
        for container in pod.containers {
            let added = (pod.context(container, "capabilities", "add")?.arrayValue ?? []).compactMap(\.stringValue)
                .filter { !defaultCapabilities.contains($0) }
            if !added.isEmpty {
                names.append(pod.name(container))
                bad.formUnion(added)
            }
        }
        return names.isEmpty ? nil : violation("non-default capabilities",
            "\(containersPhrase(names)) must not include \(joinQuote(bad.sorted())) in securityContext.capabilities.add")
    }

    static func hostPathVolumes(_ pod: PodView) -> Status.PodSecurityViolation? {
        let names = (pod.spec["volumes"]?.arrayValue ?? []).filter { $0["hostPath"] != nil }
            .map { $0["name"]?.stringValue ?? "" }
        return names.isEmpty ? nil
            : violation("hostPath volumes", "\(pluralize("volume", "volumes", names.count)) \(joinQuote(names))")
    }

    static func seccompProfileBaseline(_ pod: PodView) -> Status.PodSecurityViolation? {
        var setters: [String] = []
        if pod.podContext?[path: ["seccompProfile", "type"]]?.stringValue == "Unconfined" { setters.append("pod") }
        let names = pod.containers.filter { pod.context($0, "seccompProfile", "type")?.stringValue == "Unconfined" }
            .map(pod.name)
        if !names.isEmpty { setters.append(containersPhrase(names)) }
        return setters.isEmpty ? nil : violation("seccompProfile",
            "\(setters.joined(separator: " and ")) must not set securityContext.seccompProfile.type to \"Unconfined\"")
    }

    // MARK: - Restricted

    static func allowPrivilegeEscalation(_ pod: PodView) -> Status.PodSecurityViolation? {
        guard !pod.isWindows else { return nil }
        let names = pod.containers.filter { pod.context($0, "allowPrivilegeEscalation")?.boolValue != false }
            .map(pod.name)
        return names.isEmpty ? nil : violation("allowPrivilegeEscalation != false",
            "\(containersPhrase(names)) must set securityContext.allowPrivilegeEscalation=false")
    }

    static func capabilitiesRestricted(_ pod: PodView) -> Status.PodSecurityViolation? {
        guard !pod.isWindows else { return nil }
        var missingDrop: [String] = []
        var adding: [String] = []
        var forbidden = Set<String>()
        for container in pod.containers {
            guard let capabilities = pod.context(container, "capabilities") else {
                missingDrop.append(pod.name(container))
                continue
            }
            let drop = (capabilities["drop"]?.arrayValue ?? []).compactMap(\.stringValue)
            if !drop.contains("ALL") { missingDrop.append(pod.name(container)) }
            let added = (capabilities["add"]?.arrayValue ?? []).compactMap(\.stringValue)
                .filter { $0 != "NET_BIND_SERVICE" }
            if !added.isEmpty {
                adding.append(pod.name(container))
                forbidden.formUnion(added)
            }
        }
        var details: [String] = []
        if !missingDrop.isEmpty {
            details.append("\(containersPhrase(missingDrop)) must set securityContext.capabilities.drop=[\"ALL\"]")
        }
        if !adding.isEmpty {
            details.append("\(containersPhrase(adding)) must not include \(joinQuote(forbidden.sorted())) "
                + "in securityContext.capabilities.add")
        }
        return details.isEmpty ? nil : violation("unrestricted capabilities", details.joined(separator: "; "))
    }

    /// Volume sources restricted allows: those defined through PersistentVolumes, plus the
    /// pod-local and projected kinds.
    static let allowedVolumeSources: Set<String> = [
        "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
    ]

    static func restrictedVolumes(_ pod: PodView) -> Status.PodSecurityViolation? {
        var names: [String] = []
        var types = Set<String>()
        for volume in pod.spec["volumes"]?.arrayValue ?? [] {
            let sources = (volume.members ?? []).map(\.key).filter { $0 != "name" }
            if sources.contains(where: allowedVolumeSources.contains) { continue }
            names.append(volume["name"]?.stringValue ?? "")
            types.formUnion(sources.filter { !allowedVolumeSources.contains($0) })
        }
        guard !names.isEmpty else { return nil }
        return violation("restricted volume types",
            "\(pluralize("volume", "volumes", names.count)) \(joinQuote(names)) \(pluralize("uses", "use", names.count)) "
                + "\(pluralize("restricted volume type", "restricted volume types", types.count)) "
                + joinQuote(types.sorted()))
    }

    static func runAsNonRoot(_ pod: PodView) -> Status.PodSecurityViolation? {
        guard !pod.isWindows, !pod.usesUserNamespace else { return nil }
        var setters: [String] = []
        var podSet = false
        if let value = pod.podContext?["runAsNonRoot"]?.boolValue {
            if value { podSet = true } else { setters.append("pod") }
        }
        var explicit: [String] = []
        var implicit: [String] = []
        for container in pod.containers {
            if let value = pod.context(container, "runAsNonRoot")?.boolValue {
                if !value { explicit.append(pod.name(container)) }
            } else if !podSet {
                implicit.append(pod.name(container))
            }
        }
        if !explicit.isEmpty { setters.append(containersPhrase(explicit)) }
        if !setters.isEmpty {
            return violation("runAsNonRoot != true",
                "\(setters.joined(separator: " and ")) must not set securityContext.runAsNonRoot=false")
        }
        if !implicit.isEmpty {
            return violation("runAsNonRoot != true",
                "pod or \(containersPhrase(implicit)) must set securityContext.runAsNonRoot=true")
        }
        return nil
    }

    static func runAsUser(_ pod: PodView) -> Status.PodSecurityViolation? {
        guard !pod.isWindows, !pod.usesUserNamespace else { return nil }
        var setters: [String] = []
        if pod.podContext?["runAsUser"]?.int64Value == 0 { setters.append("pod") }
        let names = pod.containers.filter { pod.context($0, "runAsUser")?.int64Value == 0 }.map(pod.name)
        if !names.isEmpty { setters.append(containersPhrase(names)) }
        return setters.isEmpty ? nil
            : violation("runAsUser=0", "\(setters.joined(separator: " and ")) must not set runAsUser=0")
    }

    static func seccompProfileRestricted(_ pod: PodView) -> Status.PodSecurityViolation? {
        guard !pod.isWindows else { return nil }
        func valid(_ type: String?) -> Bool { type == "RuntimeDefault" || type == "Localhost" }
        var setters: [String] = []
        var badValues = Set<String>()
        var podSet = false
        if let profile = pod.podContext?["seccompProfile"] {
            let type = profile["type"]?.stringValue
            if valid(type) { podSet = true } else {
                setters.append("pod")
                badValues.insert(type ?? "")
            }
        }
        var explicit: [String] = []
        var implicit: [String] = []
        for container in pod.containers {
            if let profile = pod.context(container, "seccompProfile") {
                let type = profile["type"]?.stringValue
                if !valid(type) {
                    explicit.append(pod.name(container))
                    badValues.insert(type ?? "")
                }
            } else if !podSet {
                implicit.append(pod.name(container))
            }
        }
        if !explicit.isEmpty { setters.append(containersPhrase(explicit)) }
        if !setters.isEmpty {
            return violation("seccompProfile", "\(setters.joined(separator: " and ")) must not set "
                + "securityContext.seccompProfile.type to \(joinQuote(badValues.sorted()))")
        }
        if !implicit.isEmpty {
            return violation("seccompProfile", "pod or \(containersPhrase(implicit)) must set "
                + "securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"")
        }
        return nil
    }
}
