import AgentManifests
import ArgumentParser

extension ManifestOutput: ExpressibleByArgument {}
