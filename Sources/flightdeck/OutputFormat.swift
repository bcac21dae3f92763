import AgentManifests
import ArgumentParser
import FlightdeckApp

extension ManifestOutput: ExpressibleByArgument {}
extension ListFormat: ExpressibleByArgument {}
extension TraceFormat: ExpressibleByArgument {}
