import AgentManifests
import FlightdeckCore
import Testing

@Suite struct TaskSpecTests {
    @Test func keepsNoSecretAndRebuildsTheTaskForARetry() throws {
        let task = AgentTask(uuid: "a", image: "img", prompt: "Fix the tests", secretFiles: ["key": "s3cret-value"])
        let spec = TaskSpec(task: task, secretFilePaths: ["key": "/home/op/key.txt"])
        #expect(!spec.json.contains("s3cret-value"))
        let decoded = try #require(TaskSpec.decode(spec.json))
        #expect(decoded == spec)
        let retry = try decoded.retry(uuid: "b", previousJobID: "prev-id") { path in
            #expect(path == "/home/op/key.txt")
            return "fresh-value"
        }
        #expect(retry.uuid == "b")
        #expect(retry.prompt == "Fix the tests")
        #expect(retry.secretFiles == ["key": "fresh-value"])
        #expect(retry.restoreFromJobID == "prev-id")
        #expect(TaskManifests.jobName(retry) != TaskManifests.jobName(task))
    }

    @Test func aPromptHoldingASecretIsKeptRedactedAndMustBeGivenAgain() throws {
        let task = AgentTask(uuid: "a", image: "img", prompt: "Use OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz0123456789AB to test")
        let spec = TaskSpec(task: task, secretFilePaths: [:])
        #expect(spec.promptRedacted)
        #expect(!spec.json.contains("sk-proj-abcdefghijklmnopqrstuvwxyz0123456789AB"))
        #expect(throws: TaskSpec.RetryError.self) { _ = try spec.retry(uuid: "b", previousJobID: "p") { _ in "" } }
        let again = try spec.retry(uuid: "b", previousJobID: "p", prompt: "a new prompt") { _ in "" }
        #expect(again.prompt == "a new prompt")
    }

    @Test func theRestoreContainerRestoresFromThePreviousRun() throws {
        var settings = ClusterSettings()
        settings.objectStore = ObjectStoreSettings(endpoint: "http://minio:9000", bucket: "snapshots")
        var task = AgentTask(uuid: "c", image: "img", prompt: "p")
        task.restoreFromJobID = "earlier"
        let job = TaskManifests.job(task, settings: settings, suspended: false)
        let restore = job[path: ["spec", "template", "spec", "initContainers"]]?.arrayValue?
            .first { $0["name"]?.stringValue == "restore-workspace" }
        let env = (restore?["env"]?.arrayValue ?? []).compactMap { item -> (String, String)? in
            guard let name = item["name"]?.stringValue, let value = item["value"]?.stringValue else { return nil }
            return (name, value)
        }
        #expect(env.contains { $0 == ("RESTORE_JOB_ID", "earlier") })
    }
}
