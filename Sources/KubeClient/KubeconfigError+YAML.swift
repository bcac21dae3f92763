import ConfigYAML

extension KubeconfigError {
    /// A problem the YAML reader found in a kubeconfig, with what to do about it. The reader's
    /// message already names the file, line, column and field (and never a value: kubeconfigs
    /// are read with values hidden).
    init(_ error: YAMLError) {
        switch error.kind {
        case .notYAML:
            self.init(.notYAML, file: error.source, "kubeconfig \(error); fix it, or point --kubeconfig at another file")
        case .tooLarge, .tooDeep, .unsafeAliases:
            self.init(.notKubeconfig, file: error.source, "kubeconfig \(error); point --kubeconfig at another file")
        case .wrongType, .missingField, .unknownField:
            self.init(.invalidField, file: error.source, "kubeconfig \(error); fix the file")
        case .invalidValue:
            // Kubeconfig-specific checks say what to do themselves.
            self.init(.invalidField, file: error.source, "kubeconfig \(error)")
        }
    }

    /// A problem the YAML reader found in Flightdeck's own config file.
    static func flightdeckConfig(_ error: YAMLError) -> KubeconfigError {
        switch error.kind {
        case .notYAML, .tooLarge, .tooDeep, .unsafeAliases:
            KubeconfigError(.badFlightdeckConfig, file: error.source, "Flightdeck config \(error); fix it or move it aside")
        case .wrongType, .missingField, .unknownField, .invalidValue:
            KubeconfigError(.badFlightdeckConfig, file: error.source, "Flightdeck config \(error)")
        }
    }
}
