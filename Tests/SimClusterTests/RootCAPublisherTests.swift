import FlightdeckCore
import Foundation
import KubeModel
import Testing
@testable import SimCluster

/// kube-controller-manager's root-ca-cert-publisher: `kube-root-ca.crt` in every namespace,
/// put back when deleted or changed, never forced into a namespace being deleted.
@Suite(.timeLimit(.minutes(2))) struct RootCAPublisherTests {
    static let pem = "-----BEGIN CERTIFICATE-----\nMIIBflightdeck\n-----END CERTIFICATE-----\n"
    static let name = "kube-root-ca.crt"
    static let description = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."

    func published(_ store: APIStore, _ namespace: String) -> JSONValue? {
        fetch(store, .configMaps, namespace, Self.name)
    }

    @Test func everyNamespaceExistingOrNewGetsTheBundle() async throws {
        try await withControlPlane(rootCAPEM: Self.pem) { store, _ in
            _ = try store.create(namespaceObject("team"), type: .namespaces)
            for namespace in ["default", "kube-system", "team"] {
                let configMap = try await eventually { published(store, namespace) }
                #expect(configMap["data"] == ["ca.crt": .string(Self.pem)])
                #expect(configMap[path: ["metadata", "annotations"]] == ["kubernetes.io/description": .string(Self.description)])
                #expect(configMap[path: ["metadata", "labels"]] == nil)
            }
        }
    }

    /// Without a CA (the control plane alone, no API server), `ca.crt` is empty, as a
    /// controller manager whose connection carries no CA data publishes it.
    @Test func withoutACATheBundleIsEmpty() async throws {
        try await withControlPlane { store, _ in
            let configMap = try await eventually { published(store, "default") }
            #expect(configMap["data"] == ["ca.crt": ""])
        }
    }

    @Test func aDeletedOrChangedConfigMapIsPutBack() async throws {
        try await withControlPlane(rootCAPEM: Self.pem) { store, _ in
            let first = try await eventually { published(store, "default") }
            _ = try store.delete(type: .configMaps, namespace: "default", name: Self.name)
            let again = try await eventually { matching(published(store, "default")) { uid($0) != uid(first) } }
            #expect(again["data"] == first["data"])

            // The data changed (bundle replaced, a key added): put back whole; a label and
            // another annotation stay.
            _ = try store.patch(type: .configMaps, namespace: "default", name: Self.name, patch: [
                "metadata": ["labels": ["team": "a"], "annotations": ["note": "mine"]],
                "data": ["ca.crt": "forged", "extra": "x"],
            ])
            let restored = try await eventually {
                matching(published(store, "default")) { $0["data"] == ["ca.crt": .string(Self.pem)] }
            }
            #expect(restored[path: ["metadata", "labels", "team"]] == "a")
            #expect(restored[path: ["metadata", "annotations", "note"]] == "mine")
            #expect(restored[path: ["metadata", "annotations", "kubernetes.io/description"]] == .string(Self.description))

            // The description removed: it comes back.
            _ = try store.patch(type: .configMaps, namespace: "default", name: Self.name,
                patch: ["metadata": ["annotations": ["kubernetes.io/description": .null]]])
            try await eventually {
                published(store, "default")?[path: ["metadata", "annotations", "kubernetes.io/description"]]
                    == .string(Self.description)
            }

            // Another description is left as it is (upstream only checks that there is one).
            _ = try store.patch(type: .configMaps, namespace: "default", name: Self.name,
                patch: ["metadata": ["annotations": ["kubernetes.io/description": "ours"]]])
            try await flush(store)
            #expect(published(store, "default")?[path: ["metadata", "annotations", "kubernetes.io/description"]] == "ours")
        }
    }

    @Test func aTerminatingNamespaceIsLeftAlone() async throws {
        try await withControlPlane(rootCAPEM: Self.pem) { store, _ in
            _ = try store.create(namespaceObject("leaving"), type: .namespaces)
            _ = try await eventually { published(store, "leaving") }
            let deleting = try store.delete(type: .namespaces, name: "leaving")
            #expect(deleting.removed == false, "the namespace finalizer holds it in Terminating")
            _ = try store.delete(type: .configMaps, namespace: "leaving", name: Self.name)
            try await flush(store)
            #expect(published(store, "leaving") == nil)
        }
    }

    /// Returns once the publisher has handled every change made before the call: it syncs
    /// one namespace at a time, in the order the changes came, so a ConfigMap deleted now is
    /// put back only after those.
    func flush(_ store: APIStore) async throws {
        let before = published(store, "kube-system")
        _ = try store.delete(type: .configMaps, namespace: "kube-system", name: Self.name)
        _ = try await eventually { matching(published(store, "kube-system")) { uid($0) != uid(before) } }
    }
}
