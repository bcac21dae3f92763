import AgentManifests
import CockpitUI
import FlightdeckApp
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import HistoryStore
import KubeClient
import KubeModel
import Orchestrator
import SimServer
import Synchronization
import Testing

/// The cockpit's effects against a real history file and the simulated cluster, without a
/// terminal: what each sends back.
@Suite(.timeLimit(.minutes(2))) struct CockpitEffectsTests {
    final class Fixture: Sendable {
        let directory = TemporaryDirectory("flightdeck-effects")
        let sim: SimulatedCluster
        let api: KubeAPI
        let store: HistoryStore
        let cluster: CockpitCluster
        let messages = Mutex<[CockpitMessage]>([])

        /// The status-bar lines sent: "ok: …" for a finished action, "failed: …" for a failure.
        var lines: [String] {
            messages.withLock { $0 }.compactMap { message in
                switch message {
                case .actionFinished(let text): "ok: " + text
                case .actionFailed(let text): "failed: " + text
                default: nil
                }
            }
        }

        init() async throws {
            sim = try await SimulatedCluster.start(.init(dataDirectory: URL(fileURLWithPath: directory.file("data"))))
            let loader = KubeconfigLoader(environment: [:], homeDirectory: directory.path, workingDirectory: directory.path,
                k3sConfigPath: directory.file("none"), serviceAccountDirectory: directory.file("none"))
            let connection = try loader.load(kubeconfig: sim.kubeconfigURL.path)
            api = KubeAPI(connection: connection, qps: 1000, burst: 1000)
            store = try HistoryStore(path: directory.file("history.db"))
            let keeper = HistoryKeeper(store: store, api: api, options: .init(namespace: "agents", context: "sim",
                durableName: "effects-test"))
            var settings = ClusterSettings()
            settings.namespace = "agents"
            cluster = CockpitCluster(api: api, keeper: keeper, namespace: "agents", context: "sim",
                server: connection.server.absoluteString, config: ManifestConfig(settings: settings))
        }

        func effects(readOnly: Bool = false) -> CockpitEffects {
            CockpitEffects(store: store, cluster: cluster, actions: AgentActions(api: api, namespace: "agents", readOnly: readOnly),
                readOnly: readOnly) { message in self.messages.withLock { $0.append(message) } }
        }

        func stop() async {
            await sim.stop()
        }
    }

    @Test func theFormSubmitsThroughTheTypedRequestAndRecordsTheTask() async throws {
        let fixture = try await Fixture()
        let effects = fixture.effects()
        await effects.perform(.submit(TaskDraft(image: "registry.lab/agent:7", prompt: "tidy the README")))
        let finished = fixture.lines
        let name = try #require(finished.first?.split(separator: " ").last.map(String.init))
        #expect(finished.first?.hasPrefix("ok: submitted agent-") == true)
        let job = try await fixture.api.get(.jobs, namespace: "agents", name: name)
        #expect(job[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["image"]?.stringValue == "registry.lab/agent:7")
        let recorded = try #require(try fixture.store.jobs(JobQuery(name: name)).first)
        #expect(recorded.image == "registry.lab/agent:7")
        #expect(recorded.taskSpec != nil)  // what a retry needs

        // Read-only: refused before anything reaches the cluster.
        fixture.messages.withLock { $0 = [] }
        await fixture.effects(readOnly: true).perform(.submit(TaskDraft(prompt: "again")))
        #expect(fixture.lines == ["failed: read-only: submitting is refused"])
        await fixture.stop()
    }

    @Test func aFormErrorIsOneLineNamingTheFile() async throws {
        let fixture = try await Fixture()
        await fixture.effects().perform(.submit(TaskDraft(prompt: "p", templatePath: "/nonexistent/t.yaml")))
        #expect(fixture.lines == ["failed: submit: cannot read task template /nonexistent/t.yaml: no such file or not readable"])
        await fixture.stop()
    }

    @Test func historyReadsAnswerAndAStoreThatCannotBeReadSaysSo() async throws {
        let fixture = try await Fixture()
        try fixture.store.write([
            .job(AgentJob(id: "j1", name: "agent-j1", namespace: "agents", context: "sim", createdAt: Date(), status: .running)),
            .trace(TraceRecord(jobID: "j1", sourceID: "t1", time: Date(), kind: .thought, text: "plan")),
        ])
        let effects = fixture.effects()
        await effects.perform(.loadTraceTail(jobID: "j1", count: 10))
        await effects.listJobs()
        let answered = fixture.messages.withLock { $0 }
        #expect(answered.contains { if case .tracePageLoaded("j1", let records, 1) = $0 { records.map(\.text) == ["plan"] } else { false } })
        #expect(answered.contains { if case .jobsListed(let jobs) = $0 { jobs.map(\.id) == ["j1"] } else { false } })

        // The files are overwritten under the store (a disk gone bad): a page load says what
        // failed, not "no trace".
        fixture.messages.withLock { $0 = [] }
        for suffix in ["", "-wal", "-shm"] {
            let path = fixture.store.path + suffix
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.write(contentsOf: Data(repeating: 0xA5, count: max(size, 4_096)))
            try handle.close()
        }
        await effects.perform(.loadTraceTail(jobID: "j1", count: 10))
        #expect(fixture.messages.withLock { $0 }.count == 1)
        #expect(fixture.lines.count == 1)
        #expect(fixture.lines.first?.hasPrefix("failed: trace: ") == true)
        await fixture.stop()
    }

    @Test func effectsAreScopedSoThatCtxCancelsTheClustersOnly() {
        #expect(CockpitEffects.scope(of: .loadTraceTail(jobID: "j", count: 1)) == .history)
        #expect(CockpitEffects.scope(of: .submit(TaskDraft())) == .cluster)
        #expect(CockpitEffects.scope(of: .perform(.delete(job: "a"))) == .cluster)
        #expect(CockpitEffects.scope(of: .loadWorkspace(jobID: "j")) == .cluster)
        #expect(CockpitEffects.scope(of: .switchContext("lab")) == .runtime)
    }

    /// A long history: the newest page first (counting them all), then every job; later
    /// changes come row by row, and a job gone from history is said to be gone; listing again
    /// (after a missed update) is one whole snapshot, never a first page that would drop an
    /// older selection.
    @Test func aLongHistoryListsItsNewestPageFirstThenEveryJobThenChangesRowByRow() async throws {
        let fixture = try await Fixture()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let jobs = (0..<450).map { index in
            AgentJob(id: "h\(index)", name: "agent-\(index)", namespace: "agents", context: "sim",
                taskText: String(repeating: "a long prompt ", count: 50), createdAt: start.addingTimeInterval(Double(index)),
                status: .succeeded, taskSpec: #"{"prompt":"a long prompt"}"#)
        }
        let other = AgentJob(id: "elsewhere", name: "agent-x", namespace: "agents", context: "another", status: .running)
        try fixture.store.write(jobs.map { .job($0) } + [.job(other)])
        let effects = fixture.effects()
        await effects.startListing()
        let listed = fixture.messages.withLock { $0 }
        try #require(listed.count == 2)
        guard case .jobsFirstPage(let page, let total) = listed[0], case .jobsListed(let all) = listed[1] else {
            Issue.record("expected a first page, then the whole list: \(listed)")
            return
        }
        #expect(total == 450)
        #expect(page.map(\.id) == (250..<450).reversed().map { "h\($0)" })
        #expect(all.count == 450 && Set(all.map(\.id)) == Set(jobs.map(\.id)))
        #expect(all.allSatisfy { $0.taskText == nil && $0.taskSpec == nil }, "the list shows no task: none is read")

        fixture.messages.withLock { $0 = [] }
        var changed = jobs[3]
        changed.status = .failed
        try fixture.store.write([.job(changed)])
        _ = await SQLiteProbe.scalar(fixture.store.path, "DELETE FROM jobs WHERE job_id = 'h4'")  // pruned
        await effects.refreshJobs(["h3", "h4", "elsewhere"])
        let updated = fixture.messages.withLock { $0 }
        guard updated.count == 1, case .jobsUpdated(let ids, let rows) = updated[0] else {
            Issue.record("expected one row-by-row update: \(updated)")
            return
        }
        #expect(ids == ["h3", "h4", "elsewhere"])
        #expect(rows.map(\.id) == ["h3"] && rows.first?.status == .failed, "h4 is gone, and another context's job is not ours")

        fixture.messages.withLock { $0 = [] }
        await effects.listJobs()
        let relisted = fixture.messages.withLock { $0 }
        guard relisted.count == 1, case .jobsListed(let again) = relisted[0] else {
            Issue.record("expected one whole snapshot: \(relisted)")
            return
        }
        #expect(again.count == 449)
        await fixture.stop()
    }

    /// The first frame needs no second round: the newest jobs, the first one's trace tail and
    /// lanes are read in one go; only the workspace (the cluster's) is left to the runtime.
    @Test func aWarmStartReadsWhatTheFirstFrameShows() throws {
        let directory = TemporaryDirectory("flightdeck-warm")
        let store = try HistoryStore(path: directory.file("history.db"))
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        var writes: [HistoryWrite] = (0..<250).map { index in
            .job(AgentJob(id: "w\(index)", name: "agent-\(index)", namespace: "agents", context: "sim",
                createdAt: start.addingTimeInterval(Double(index)), status: .succeeded))
        }
        for seq in 1...30 {
            writes.append(.trace(TraceRecord(jobID: "w249", sourceID: "s\(seq)", time: start.addingTimeInterval(Double(seq)),
                kind: .thought, phase: .strategic, text: "step \(seq)")))
        }
        writes.append(.phaseChange(jobID: "w249", phase: .strategic, time: start, sourceID: "p1"))
        try store.write(writes)
        let query = JobQuery(namespace: "agents", context: "sim", withTask: false)
        let initial = CockpitState(width: 200, height: 60, now: start.addingTimeInterval(60), theme: .default, glyphs: .unicode)
        let (state, first, effects) = try CockpitEffects.warmStart(initial, query: query, store: store)
        guard case .jobsFirstPage(let page, let total) = first else {
            Issue.record("expected the newest page: \(first)")
            return
        }
        #expect(page.count == 200 && total == 250)
        #expect(state.jobs.selectedID == "w249")
        #expect(state.trace.jobID == "w249" && state.trace.records.map(\.text).last == "step 30" && state.trace.total == 30)
        #expect(state.timeline.lanes["w249"]?.spans.map(\.phase) == [.strategic])
        #expect(effects == [.loadWorkspace(jobID: "w249")])
        let lines = Cockpit.render(state).lines
        #expect(lines[0].contains("Jobs 250") && lines[0].contains("#30/30"))
    }

    /// `loadUsage`: each job's tokens summed from history, priced with the config's table, with
    /// the budget of the task history keeps for it; a job that reported none is absent. The
    /// warm start answers it too, so the first frame has the columns.
    @Test func usageIsSummedPricedAndCarriesTheTasksBudget() throws {
        let directory = TemporaryDirectory("flightdeck-usage")
        let store = try HistoryStore(path: directory.file("history.db"))
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let budgeted = AgentTask(uuid: "u1", image: "i", prompt: "p", budget: TaskBudget(tokens: 100_000))
        try store.write([
            .job(AgentJob(id: "u1", name: "agent-u1", namespace: "agents", context: "sim", createdAt: start, status: .running,
                taskSpec: TaskSpec(task: budgeted, secretFilePaths: [:]).json)),
            .job(AgentJob(id: "u2", name: "agent-u2", namespace: "agents", context: "sim", createdAt: start.addingTimeInterval(1),
                status: .running)),
            .job(AgentJob(id: "u3", name: "agent-u3", namespace: "agents", context: "sim", createdAt: start.addingTimeInterval(2),
                status: .running)),
            .trace(TraceRecord(jobID: "u1", sourceID: "a", time: start, kind: .thought, text: "plan",
                usage: TokenUsage(inputTokens: 100_000, outputTokens: 20_000, model: "gpt-4o"))),
            .trace(TraceRecord(jobID: "u2", sourceID: "b", time: start, kind: .thought, text: "plan",
                usage: TokenUsage(inputTokens: 500, outputTokens: 20, model: "mystery"))),
            .trace(TraceRecord(jobID: "u3", sourceID: "c", time: start, kind: .thought, text: "no usage")),
        ])
        let prices = PriceTable(currency: "USD", models: ["gpt-4o": ModelPrice(input: Decimal(string: "2.50")!, output: 10)])
        let answer = try CockpitEffects.historyAnswer(.loadUsage(jobIDs: ["u1", "u2", "u3"]), store: store, prices: prices)
        guard case .usageLoaded(let ids, let usage)? = answer.first, answer.count == 1 else {
            Issue.record("expected one usageLoaded: \(answer)")
            return
        }
        #expect(ids == ["u1", "u2", "u3"])
        #expect(usage["u1"] == JobUsage(inputTokens: 100_000, outputTokens: 20_000, knownCost: Decimal(string: "0.45")!,
            unpriced: false, currency: "USD", budget: TaskBudget(tokens: 100_000)))
        #expect(usage["u1"]?.overBudgetReason() == "over budget: 120k/100k tokens")
        #expect(usage["u2"]?.unpriced == true && usage["u2"]?.costText() == "?" && usage["u2"]?.budget == nil)
        #expect(usage["u3"] == nil, "no tokens reported: absent")

        let query = JobQuery(namespace: "agents", context: "sim", withTask: false)
        let initial = CockpitState(width: 200, height: 60, now: start.addingTimeInterval(60), theme: .default, glyphs: .unicode)
        let (state, _, _) = try CockpitEffects.warmStart(initial, query: query, store: store, prices: prices)
        #expect(state.usage["u1"]?.isOverBudget == true && state.usage["u2"] != nil)
        let lines = Cockpit.render(state).lines
        let row = try #require(lines.first { $0.contains("agent-u1") })
        #expect(row.contains("!● agent-u1") && row.contains("120k") && row.contains("$0.45") && row.contains("over 120k"), "\(row)")
    }
}
