import KubeModel
import SimCluster

/// Where pod logs come from (the simulated kubelet): the API server only routes
/// `GET …/pods/{name}/log` here and streams what it yields.
public protocol PodLogSource: Sendable {
    /// The log bytes of one container of a pod, with the options applied; a `follow` stream
    /// ends when the container stops. Errors are the apiserver's (`400` when a container
    /// must be named, `404` for an unknown pod or container).
    func podLogs(namespace: String, pod: String, options: PodLogOptions) async throws(Status)
        -> any AsyncSequence<[UInt8], Never> & Sendable
}

extension Kubelet: PodLogSource {
    public func podLogs(namespace: String, pod: String, options: PodLogOptions) async throws(Status)
        -> any AsyncSequence<[UInt8], Never> & Sendable
    {
        try podLogs(namespace: namespace, name: pod, options: options)
    }
}
