import AgentManifests
import FlightdeckCore
import Foundation
import KubeClient
import KubeModel
import Synchronization

/// Flightdeck's own admission, for clusters without Kueue: starts queued agent Jobs
/// (unsuspends them) as their queues have room, in the order `AdmissionPlan` gives — priority,
/// then submission — while holding the admission Lease, so that of several keepers (two
/// `flightdeck record`s, a restarted one, a cockpit started with `--admit`) only one admits.
///
/// Nothing is remembered between passes: each pass lists the Jobs (a consistent read) and
/// plans from what the API server says, so a keeper killed halfway and started again, or a
/// successor, admits nothing twice. Each start is a merge patch carrying the Job's
/// `resourceVersion` as read, so a Job that changed meanwhile (started by someone else,
/// moved, deleted) is not started on stale knowledge: the pass ends and the next one re-reads.
///
/// Where the cluster has Kueue, Kueue admits and this stands by (Flightdeck never unsuspends a
/// Job Kueue manages).
public final class Admitter: Sendable {
    /// The admission Lease's name, in the agents' namespace.
    public static let leaseName = "flightdeck-admission"
    /// The agent Jobs: what is listed and watched.
    public static let agentSelector = "\(FlightdeckLabels.managedBy)=\(FlightdeckLabels.managedByValue),"
        + "\(FlightdeckLabels.component)=\(FlightdeckLabels.agentComponent)"

    public struct Options: Sendable {
        public var queues: QueueConfiguration
        /// `leaseDurationSeconds` (client-go's default: 15).
        public var leaseDuration: Int
        /// Who this keeper is on the Lease; unique per process.
        public var identity: String
        /// A pass at least this often (promotion by age needs time to pass, not events).
        public var resync: TimeInterval
        /// Model tokens each queue's jobs used since a time, per model (from history); `nil`:
        /// budgets are not checked (and a failed read checks none, rather than stopping every
        /// queue). Costs come from `queues.prices`.
        public var usageToday: (@Sendable (_ since: Date) async -> [String: [TokenUsage]]?)?

        public init(queues: QueueConfiguration, leaseDuration: Int = 15, identity: String = Admitter.defaultIdentity(),
            resync: TimeInterval = 5, usageToday: (@Sendable (_ since: Date) async -> [String: [TokenUsage]]?)? = nil)
        {
            self.usageToday = usageToday
            self.queues = queues
            self.leaseDuration = leaseDuration
            self.identity = identity
            self.resync = resync
        }
    }

    /// What the admitter did, for a status line.
    public enum Event: Sendable, Hashable {
        /// This keeper holds the admission Lease and admits.
        case leading
        /// Another keeper holds it (`nil`: not known yet); this one waits.
        case following(holder: String?)
        /// Kueue admits in this cluster: this keeper stands by.
        case kueue
        /// Started `job` from `queue`.
        case admitted(job: String, queue: String)
        /// Something failed; it is retried. One line.
        case problem(String)
    }

    public let api: KubeAPI
    public let namespace: String
    public let options: Options

    public init(api: KubeAPI, namespace: String, options: Options) {
        self.api = api
        self.namespace = namespace
        self.options = options
    }

    /// `hostname_pid_random`: unique per process, readable in `kubectl get leases`.
    public static func defaultIdentity() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        return "\(host)_\(ProcessInfo.processInfo.processIdentifier)_\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Admits until cancelled, then gives the Lease up.
    public func run(report: @escaping @Sendable (Event) -> Void = { _ in }) async {
        guard options.queues.isConfigured else { return }
        // Kueue decides where it is installed; asked until the answer is known.
        var retry = Backoff(initial: 1, maximum: 30)
        while !Task.isCancelled {
            do {
                if try await KueueDiscovery.clusterHasKueue(api) {
                    report(.kueue)
                    return
                }
                break
            } catch {
                report(.problem("cannot tell whether the cluster runs Kueue: \(error)"))
                try? await Task.sleep(for: .seconds(retry.delay(now: Date().timeIntervalSince1970, random: .random(in: 0...1))))
            }
        }
        let changed = ChangeFlag()
        await withTaskGroup(of: Void.self) { group in
            // Job changes wake the next pass early; the channel's contents are not needed.
            let informer = Informer(api: api, type: .jobs, namespace: namespace, labelSelector: Self.agentSelector)
            let events = informer.events()
            group.addTask {
                for await event in events {
                    if case .delta = event { changed.raise() }
                }
            }
            await lead(changed: changed, report: report)
            group.cancelAll()
        }
    }

    private func lead(changed: ChangeFlag, report: @escaping @Sendable (Event) -> Void) async {
        var elector = LeaseElector(api: api, namespace: namespace, name: Self.leaseName, identity: options.identity,
            duration: options.leaseDuration)
        var leading = false
        var lastHolder: String?? = .none
        var lastPass = Date.distantPast
        var lastProblem: String?
        func problem(_ line: String) {
            if line != lastProblem { report(.problem(line)) }
            lastProblem = line
        }
        while !Task.isCancelled {
            let now = Date()
            // Renew while leading (every retry period), try to take over otherwise.
            if !leading || now.timeIntervalSince(elector.renewedAt ?? .distantPast) >= elector.retryPeriod {
                do {
                    let nowLeading = try await elector.acquireOrRenew(now: now)
                    if nowLeading, !leading { report(.leading) }
                    if !nowLeading, leading || lastHolder != .some(elector.observedHolder) {
                        report(.following(holder: elector.observedHolder))
                    }
                    lastHolder = .some(elector.observedHolder)
                    leading = nowLeading
                    lastProblem = nil
                } catch {
                    problem("cannot take or renew the admission lease \(namespace)/\(Self.leaseName): \(error)")
                }
            }
            if elector.isLeading(at: Date()) {
                let due = changed.take() || Date().timeIntervalSince(lastPass) >= options.resync
                if due {
                    lastPass = Date()
                    do {
                        try await pass(elector: elector, report: report)
                    } catch {
                        changed.raise()
                        problem("cannot admit queued jobs in \(namespace): \(error)")
                    }
                }
            } else if leading {
                // Could not renew in time: stop acting before anyone may take over.
                leading = false
                report(.following(holder: elector.observedHolder))
            }
            try? await Task.sleep(for: .milliseconds(leading ? 200 : Int(elector.retryPeriod * 1000)))
        }
        await Self.release(elector)
    }

    /// Gives the Lease up on the way out — outside this (cancelled) task, for at most 2 s, so a
    /// dead API server does not hold up stopping: the Lease then expires instead.
    private static func release(_ elector: LeaseElector) async {
        await Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    var elector = elector
                    await elector.release()
                }
                group.addTask { try? await Task.sleep(for: .seconds(2)) }
                await group.next()
                group.cancelAll()
            }
        }.value
    }

    /// One admission pass: list, plan, start what the plan admits, in order, while still leading.
    private func pass(elector: LeaseElector, report: @escaping @Sendable (Event) -> Void) async throws {
        let listed = try await api.list(.jobs, namespace: namespace, options: ListOptions(labelSelector: Self.agentSelector))
        let jobs = (listed["items"]?.arrayValue ?? []).map(Job.init(json:))
        let byName = Dictionary(jobs.compactMap { job in job.metadata.name.map { ($0, job) } }) { first, _ in first }
        let now = Date()
        var spent: Set<String> = []
        if QueueBudgets.anyBudget(options.queues), let used = await options.usageToday?(QueueBudgets.dayStart(now)) {
            spent = QueueBudgets.spent(options.queues, usageToday: used)
        }
        let plan = AdmissionPlan(queues: options.queues, jobs: jobs.map(AdmissionCandidate.init(job:)), now: now,
            budgetSpent: spent)
        for name in plan.admit {
            guard elector.isLeading(at: Date()), let job = byName[name] else { return }
            let patch: JSONValue = [
                "metadata": [
                    "resourceVersion": .string(job.metadata.resourceVersion ?? ""),
                    "labels": [FlightdeckLabels.admission: .string(FlightdeckLabels.admissionAdmitted)],
                ],
                "spec": ["suspend": false],
            ]
            do {
                _ = try await api.patch(.jobs, namespace: namespace, name: name, patch, kind: .merge)
            } catch let error as APIError where error.code == 409 || error.code == 404 {
                return  // changed or gone since the list: plan again from fresh state
            }
            report(.admitted(job: name, queue: plan.entry(name)?.queue ?? options.queues.defaultQueueName))
        }
    }
}

/// "Something changed since the last pass": raised by the Job watch, taken by the pass.
private final class ChangeFlag: Sendable {
    private let value = Mutex(true)

    func raise() { value.withLock { $0 = true } }

    /// Whether it was raised, lowering it.
    func take() -> Bool {
        value.withLock { flag in
            defer { flag = false }
            return flag
        }
    }
}
