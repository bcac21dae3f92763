import FlightdeckCore
import KubeModel

/// Creating an owner's pod from its template, as kube-controller-manager's controllers share
/// it (`controller.RealPodControl`): a generated name after the owner's, the template's
/// labels, annotations and finalizers, a controller owner reference, and an event either way.
struct PodControl: Sendable {
    let store: APIStore
    let events: EventRecorder

    /// The API's message when it refuses the pod, else `nil`.
    func createPod<Owner: KubeObject>(from template: PodTemplateSpec, owner: Owner, ownerJSON: JSONValue,
        defaultName: String, extraFinalizers: [String] = []) -> String?
    {
        var meta = ObjectMeta()
        meta.generateName = "\(owner.metadata.name ?? defaultName)-"
        meta.namespace = owner.metadata.namespace
        meta.labels = template.metadata.labels
        meta.annotations = template.metadata.annotations
        meta.finalizers = template.metadata.finalizers + extraFinalizers
        meta.ownerReferences = [OwnerReference.controller(owner)]
        let pod: JSONValue = [
            "apiVersion": "v1", "kind": "Pod", "metadata": meta.json,
            "spec": template.json["spec"] ?? .emptyObject,
        ]
        do {
            let created = try store.create(pod, type: .pods, namespace: owner.metadata.namespace)
            events.record(ownerJSON, type: .normal, reason: "SuccessfulCreate",
                message: "Created pod: \(created[path: ["metadata", "name"]]?.stringValue ?? "")")
            return nil
        } catch {
            let message = error.message ?? "unknown error"
            events.record(ownerJSON, type: .warning, reason: "FailedCreate", message: "Error creating: \(message)")
            return message
        }
    }
}
