import FlightdeckCore
import KubeModel

/// The OpenAPI v3 documents kubectl consults before `create -f`/`apply -f`.
///
/// kubectl validates manifests on the server when the server's OpenAPI says that PATCH of
/// the kind takes the `fieldValidation` parameter; without any OpenAPI it refuses with
/// "failed to download openapi". The sim serves exactly the operations that answer that
/// question — not the schemas — so validation happens server-side, as against k3s, and
/// strategic-merge patches are computed from kubectl's built-in types.
public enum OpenAPIDocuments {
    /// `/openapi/v3`: where each group-version's document lives.
    public static func root(served: [ResourceType] = ResourceType.all) -> JSONValue {
        var paths: JSONValue = .emptyObject
        for groupVersion in groupVersions(served) {
            let key = groupVersion.group.isEmpty ? "api/\(groupVersion.version)" : "apis/\(groupVersion.group)/\(groupVersion.version)"
            paths.setMember(key, ["serverRelativeURL": .string("/openapi/v3/\(key)?hash=\(hash(key))")])
        }
        return ["paths": paths]
    }

    /// `/openapi/v3/api/v1`, `/openapi/v3/apis/{group}/{version}`.
    public static func document(path: String, served: [ResourceType] = ResourceType.all) -> JSONValue? {
        guard let groupVersion = groupVersions(served).first(where: { gv in
            path == (gv.group.isEmpty ? "/openapi/v3/api/\(gv.version)" : "/openapi/v3/apis/\(gv.group)/\(gv.version)")
        }) else { return nil }
        var paths: JSONValue = .emptyObject
        for type in served where type.group == groupVersion.group && type.version == groupVersion.version {
            guard type.verbs.contains("patch") else { continue }
            let gvk: JSONValue = ["group": .string(type.group), "version": .string(type.version), "kind": .string(type.kind)]
            let patch: JSONValue = [
                "operationId": .string("patch\(type.kind)"),
                "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind": gvk,
                "parameters": [
                    ["name": "dryRun", "in": "query", "schema": ["type": "string", "uniqueItems": true]],
                    ["name": "fieldManager", "in": "query", "schema": ["type": "string", "uniqueItems": true]],
                    ["name": "fieldValidation", "in": "query", "schema": ["type": "string", "uniqueItems": true]],
                ],
                "responses": ["200": ["description": "OK"]],
            ]
            let template = type.namespaced
                ? "\(type.groupVersionPath)/namespaces/{namespace}/\(type.plural)/{name}"
                : "\(type.groupVersionPath)/\(type.plural)/{name}"
            paths.setMember(template, ["patch": patch])
        }
        return [
            "openapi": "3.0.0",
            "info": ["title": "Kubernetes", "version": .string(Discovery.gitVersion)],
            "paths": paths,
            "components": ["schemas": .emptyObject],
        ]
    }

    private static func groupVersions(_ served: [ResourceType]) -> [(group: String, version: String)] {
        var seen: [(String, String)] = []
        for type in served where !seen.contains(where: { $0.0 == type.group && $0.1 == type.version }) {
            seen.append((type.group, type.version))
        }
        return seen
    }

    /// A stable content hash for the document URL (clients cache by it).
    private static func hash(_ key: String) -> String {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in (key + Discovery.gitVersion).utf8 { value = (value ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return String(value, radix: 16, uppercase: true)
    }
}
