// MARK: - kubectl's merge of KUBECONFIG files

extension Kubeconfig {
    /// Merges configs given in `KUBECONFIG` order with kubectl's rule: for each map
    /// (clusters, users, contexts) the FIRST file that defines a name wins, whole entry
    /// (fields are never mixed across files); `current-context` comes from the first file
    /// that sets it. So a later file can add names but never change an earlier one.
    public static func merged(_ configs: [Kubeconfig]) -> Kubeconfig {
        var result = Kubeconfig()
        for config in configs {
            result.files.append(contentsOf: config.files)
            result.clusters.merge(config.clusters) { first, _ in first }
            result.users.merge(config.users) { first, _ in first }
            result.contexts.merge(config.contexts) { first, _ in first }
            if (result.currentContext ?? "").isEmpty, let current = config.currentContext, !current.isEmpty {
                result.currentContext = current
                result.currentContextOrigin = config.currentContextOrigin
            }
        }
        return result
    }
}
