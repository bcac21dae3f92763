import FlightdeckCore
import Foundation
import KubeModel
import Testing
@testable import SimCluster

/// kube-controller-manager's serviceaccount controller: the `default` ServiceAccount in every
/// active namespace, created again when deleted.
@Suite(.timeLimit(.minutes(2))) struct ServiceAccountsControllerTests {
    func account(_ store: APIStore, _ namespace: String) -> JSONValue? {
        fetch(store, .serviceAccounts, namespace, "default")
    }

    @Test func everyNamespaceHasTheDefaultAccountAgainWhenDeleted() async throws {
        try await withControlPlane { store, _ in
            _ = try store.create(namespaceObject("team"), type: .namespaces)
            for namespace in ["default", "kube-system", "team"] {
                let found = try await eventually { account(store, namespace) }
                #expect(found["kind"] == "ServiceAccount")
                #expect(found["secrets"] == nil, "no token Secret is made for it")
            }
            let first = account(store, "team")
            _ = try store.delete(type: .serviceAccounts, namespace: "team", name: "default")
            _ = try await eventually { matching(account(store, "team")) { uid($0) != uid(first) } }
        }
    }

    @Test func aTerminatingNamespaceGetsNoNewAccount() async throws {
        try await withControlPlane { store, _ in
            _ = try store.create(namespaceObject("leaving"), type: .namespaces)
            _ = try await eventually { account(store, "leaving") }
            _ = try store.delete(type: .namespaces, name: "leaving")
            _ = try store.delete(type: .serviceAccounts, namespace: "leaving", name: "default")
            // The controller syncs one namespace at a time in the order of the changes: once
            // an account deleted afterwards is back, the terminating namespace was handled.
            let before = account(store, "kube-system")
            _ = try store.delete(type: .serviceAccounts, namespace: "kube-system", name: "default")
            _ = try await eventually { matching(account(store, "kube-system")) { uid($0) != uid(before) } }
            #expect(account(store, "leaving") == nil)
        }
    }
}
