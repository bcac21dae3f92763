import AgentManifests
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Testing

/// Every generated manifest against the Kubernetes 1.30 OpenAPI schema, strictly (an unknown
/// field is an error, as `kubectl apply --validate=strict` would make it), with PyPI's
/// `kubernetes-validate`, which bundles the schemas per version. `script/test` installs it into
/// `.build/tools/venv`; without it these tests are skipped and say why.
@Suite struct SchemaValidationTests {
    /// Where the validator is: `FLIGHTDECK_KUBERNETES_VALIDATE`, the venv `script/test` makes,
    /// `~/.local/bin` (`pip install --user`), then `PATH`.
    static let validator: String? = {
        let environment = ProcessInfo.processInfo.environment
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        var candidates = [environment["FLIGHTDECK_KUBERNETES_VALIDATE"] ?? "",
            root.appendingPathComponent(".build/tools/venv/bin/kubernetes-validate").path,
            (environment["HOME"] ?? "") + "/.local/bin/kubernetes-validate"]
        candidates += (environment["PATH"] ?? "").split(separator: ":").map { "\($0)/kubernetes-validate" }
        return candidates.first { !$0.isEmpty && FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static let versions = ["1.30.0", "1.32.0"]

    @Test(.enabled(if: validator != nil, "kubernetes-validate is not installed (script/test installs it from PyPI into .build/tools/venv)"),
        arguments: versions)
    func everyManifestMatchesTheSchema(version: String) async throws {
        let directory = TemporaryDirectory("flightdeck-schema")
        var objects: [JSONValue] = []
        for (_, settings) in Fixtures.allSettings {
            objects += Fixtures.taskObjects(Fixtures.task, settings) + Fixtures.installObjects(settings)
            objects += Fixtures.taskObjects(Fixtures.task, settings, natsCredentials: Fixtures.natsCredentials)
        }
        objects += InstallManifests.all(Fixtures.settings, natsAuthorization: .insecure)
        objects += Fixtures.taskObjects(AgentTask(uuid: "t-1", image: "python:3.12-slim", prompt: "hi"), Fixtures.settings)
        let file = directory.file("all.yaml")
        try ManifestYAML.encode(objects).write(toFile: file, atomically: true, encoding: .utf8)

        // Waited for off the cooperative threads: Python loading the schemas takes many
        // seconds, and the whole test process shares two of those threads.
        let result = try await ProductProcess(executable: URL(fileURLWithPath: Self.validator!))
            .run(["--strict", "--kubernetes-version", version, file])
        let text = result.stdout + result.stderr
        #expect(result.status == 0, "kubernetes-validate \(version):\n\(text)")
        let passed = text.split(separator: "\n").filter { $0.contains("passed") }.count
        #expect(passed == objects.count, "one 'passed' line per object (\(objects.count)):\n\(text)")
    }
}
