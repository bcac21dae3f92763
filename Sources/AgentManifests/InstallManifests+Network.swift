import FlightdeckCore

/// NetworkPolicies: agents may reach the egress proxy, cluster DNS, NATS and (with Tier 2) the
/// object store, and nothing else — not the API server, not other pods, not the cloud
/// metadata address. The proxy may reach public addresses only.
extension InstallManifests {
    /// Ranges no agent or proxy traffic may reach directly: private networks (node and service
    /// addresses, the API server among them), link-local (the metadata address
    /// 169.254.169.254), loopback, carrier-grade NAT.
    public static let privateRanges = ["10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.168.0.0/16"]

    static func selector(_ labels: [String: String]) -> JSONValue { ["matchLabels": ManifestJSON.stringMap(labels)] }

    static var agentPods: JSONValue {
        selector([FlightdeckLabels.managedBy: FlightdeckLabels.managedByValue,
            FlightdeckLabels.component: FlightdeckLabels.agentComponent])
    }

    static func componentPods(_ component: String) -> JSONValue {
        selector([FlightdeckLabels.managedBy: FlightdeckLabels.managedByValue, FlightdeckLabels.component: component])
    }

    /// kube-dns (CoreDNS in k3s) in kube-system, UDP and TCP 53.
    static var dnsRule: JSONValue {
        [
            "to": [[
                "namespaceSelector": selector(["kubernetes.io/metadata.name": "kube-system"]),
                "podSelector": selector(["k8s-app": "kube-dns"]),
            ]],
            "ports": [["protocol": "UDP", "port": 53], ["protocol": "TCP", "port": 53]],
        ]
    }

    /// A peer outside the cluster: the given CIDR, else any public address.
    static func externalPeer(cidr: String?) -> JSONValue {
        if let cidr { return ["ipBlock": ["cidr": .string(cidr)]] }
        return ["ipBlock": ["cidr": "0.0.0.0/0", "except": .array(privateRanges.map(JSONValue.string))]]
    }

    static func tcp(_ port: Int) -> JSONValue { ["protocol": "TCP", "port": .integer(Int64(port))] }

    static func policy(_ name: String, _ settings: ClusterSettings, podSelector: JSONValue, ingress: [JSONValue],
        egress: [JSONValue]) -> JSONValue
    {
        var spec: JSONValue = ["podSelector": podSelector, "policyTypes": ["Ingress", "Egress"]]
        if !ingress.isEmpty { spec.setMember("ingress", .array(ingress)) }
        if !egress.isEmpty { spec.setMember("egress", .array(egress)) }
        return ManifestJSON.object("networking.k8s.io/v1", "NetworkPolicy",
            ManifestJSON.metadata(name: name, namespace: settings.namespace, labels: labels()), ["spec": spec])
    }

    /// The agents' policy: no ingress at all; egress to the proxy, DNS, NATS and the object store.
    static func agentNetworkPolicy(_ settings: ClusterSettings) -> JSONValue {
        let proxyPeer = settings.egressProxy.host == nil
            ? ["podSelector": componentPods(FlightdeckLabels.proxyComponent)] : externalPeer(cidr: settings.egressProxy.cidr)
        let natsPeer = settings.deploysNATS
            ? ["podSelector": componentPods(FlightdeckLabels.natsComponent)] : externalPeer(cidr: settings.natsCIDR)
        var egress: [JSONValue] = [
            ["to": [proxyPeer], "ports": [tcp(settings.egressProxy.port)]],
            dnsRule,
            ["to": [natsPeer], "ports": [tcp(settings.natsEndpoint.port)]],
        ]
        if let store = settings.objectStore {
            let endpoint = Endpoint(url: store.endpoint, defaultPort: store.endpoint.hasPrefix("https://") ? 443 : 80)
            let peer: JSONValue
            if let cidr = store.cidr {
                peer = externalPeer(cidr: cidr)
            } else if let namespace = endpoint.serviceNamespace {
                peer = ["namespaceSelector": selector(["kubernetes.io/metadata.name": namespace])]
            } else {
                peer = externalPeer(cidr: nil)
            }
            egress.append(["to": [peer], "ports": [tcp(endpoint.port)]])
        }
        return policy("flightdeck-agents", settings, podSelector: agentPods, ingress: [], egress: egress)
    }

    /// The proxy: reached by agents on its port; reaches DNS and public addresses on 80/443.
    static func proxyNetworkPolicy(_ settings: ClusterSettings) -> JSONValue {
        policy("egress-proxy", settings, podSelector: componentPods(FlightdeckLabels.proxyComponent),
            ingress: [["from": [["podSelector": agentPods]], "ports": [tcp(settings.egressProxy.port)]]],
            egress: [dnsRule, ["to": [externalPeer(cidr: nil)], "ports": [tcp(80), tcp(443)]]])
    }

    /// NATS: its client port is reached only by agent pods (the agent and its log shipper), an
    /// in-cluster orchestrator (component `orchestrator`) and the operator's machines
    /// (`natsOperatorCIDRs`); not by the egress proxy nor any other pod of the namespace. The
    /// monitoring port 8222 is admitted from nowhere: the kubelet's probes come from the node,
    /// and Kubernetes always allows traffic from a pod's own node (k3s's kube-router accepts
    /// locally-sourced packets before any policy), which is also how `flightdeck` on the k3s
    /// server reaches the Service's ClusterIP. It needs no egress (one server: no routes, and
    /// the full resolver is fed by the operator, never fetched).
    static func natsNetworkPolicy(_ settings: ClusterSettings) -> JSONValue {
        var peers: [JSONValue] = [
            ["podSelector": agentPods],
            ["podSelector": componentPods(FlightdeckLabels.orchestratorComponent)],
        ]
        peers += settings.natsOperatorCIDRs.map { cidr -> JSONValue in ["ipBlock": ["cidr": .string(cidr)]] }
        return policy("nats", settings, podSelector: componentPods(FlightdeckLabels.natsComponent),
            ingress: [["from": .array(peers), "ports": [tcp(4222)]]], egress: [])
    }
}
