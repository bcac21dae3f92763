import FlightdeckCore
import Foundation
import KubeModel
import Testing

@Suite struct ObjectModelTests {
    // MARK: Job

    @Test func jobTypedReads() throws {
        let job = try Job(decoding: Fixture.job)
        #expect(job.apiVersion == "batch/v1")
        #expect(job.kind == "Job")
        #expect(job.metadata.name == "agent-3f2a")
        #expect(job.metadata.namespace == "agents")
        #expect(job.metadata.uid == "0b6c2a8e-3d7f-4b8e-9a51-2f0e6c1d9a44")
        #expect(job.metadata.resourceVersion == "48213")
        #expect(job.metadata.generation == 1)
        #expect(job.metadata.creationTimestamp == RFC3339.date(from: "2026-11-29T04:20:00Z"))
        #expect(job.metadata.labels["flightdeck.dev/job"] == "agent-3f2a")
        #expect(job.metadata.annotations["flightdeck.dev/task"] == "Refactor the parser")
        #expect(job.metadata.managedFields?.arrayValue?.count == 2)

        let spec = job.spec
        #expect(spec.suspend == false)
        #expect(spec.parallelism == 1)
        #expect(spec.completions == 1)
        #expect(spec.backoffLimit == 2)
        #expect(spec.activeDeadlineSeconds == 3600)
        #expect(spec.ttlSecondsAfterFinished == 86400)
        let rules = try #require(spec.podFailurePolicy).rules
        #expect(rules.count == 2)
        #expect(rules[0].action == .failJob)
        #expect(rules[0].onExitCodes?.containerName == "agent")
        #expect(rules[0].onExitCodes?.operator == "In")
        #expect(rules[0].onExitCodes?.values == [42])
        #expect(rules[0].onExitCodes?.matches(exitCode: 42, container: "agent") == true)
        #expect(rules[0].onExitCodes?.matches(exitCode: 1, container: "agent") == false)
        #expect(rules[1].action == .ignore)
        #expect(rules[1].onPodConditions.first?.type == "DisruptionTarget")
        #expect(rules[1].onPodConditions.first?.status == .true)
        let selector = try #require(spec.selector).selector
        #expect(selector.matches(["batch.kubernetes.io/controller-uid": "0b6c2a8e-3d7f-4b8e-9a51-2f0e6c1d9a44"]))

        let container = try #require(spec.template.spec.containers.first)
        #expect(container.name == "agent")
        #expect(container.image == "ghcr.io/example/agent:1.4.2")
        #expect(container.command == ["/usr/local/bin/agent"])
        #expect(container.args == ["--task", "/workspace/task.md"])
        #expect(container.env.map(\.name) == ["NATS_URL", "OPENAI_API_KEY"])
        #expect(container.env[1].valueFrom?[path: ["secretKeyRef", "name"]] == "llm")
        #expect(container.volumeMounts.first?.mountPath == "/workspace")
        #expect(container.resources.requests["cpu"] == "500m")
        #expect(container.resources.limits["memory"] == Quantity.bytes(2 << 30))
        #expect(container.securityContext.allowPrivilegeEscalation == false)
        #expect(container.securityContext.capabilitiesDrop == ["ALL"])
        #expect(container.securityContext.seccompProfileType == "RuntimeDefault")
        #expect(spec.template.spec.restartPolicy == "Never")
        #expect(spec.template.spec.serviceAccountName == "agent")
        #expect(spec.template.spec.securityContext.fsGroup == 1000)
        #expect(spec.template.spec.volumes.first?.claimName == "ws-agent-3f2a")
        #expect(spec.template.metadata.labels["batch.kubernetes.io/job-name"] == "agent-3f2a")

        let status = job.status
        #expect(status.succeeded == 1)
        #expect(status.ready == 0)
        #expect(status.active == nil)
        #expect(status.startTime == RFC3339.date(from: "2026-11-29T04:20:01Z"))
        #expect(status.completionTime == RFC3339.date(from: "2026-11-29T04:31:10Z"))
        #expect(status.conditions.map(\.type) == ["SuccessCriteriaMet", "Complete"])
        #expect(status.condition(.complete)?.reason == "CompletionsReached")
        #expect(status.condition(.complete)?.isTrue == true)
        #expect(job.isFinished)
    }

    @Test func untouchedRoundTripIsByteIdentical() throws {
        for fixture in [Fixture.job, Fixture.pod, Fixture.pvc, Fixture.pv, Fixture.coreEvent, Fixture.eventsV1Event] {
            let object = try JSONParser(maxDepth: 128).parse(fixture)
            var job = Job(json: object)
            // Reading and writing back every view, and setting values to what they are, is a no-op.
            job.spec = job.spec
            job.metadata.labels = job.metadata.labels
            job.metadata.annotations = job.metadata.annotations
            job.metadata.creationTimestamp = job.metadata.creationTimestamp
            job.spec.template.spec.containers = job.spec.template.spec.containers
            job.spec.suspend = job.spec.suspend
            job.status.conditions = job.status.conditions
            #expect(job.serialized == Fixture.compact(fixture))
        }
    }

    @Test func writesChangeOnlyTheirFieldInPlace() throws {
        var job = try Job(decoding: Fixture.job)
        let original = Fixture.compact(Fixture.job)
        job.spec.suspend = true
        #expect(job.serialized == original.replacingOccurrences(of: #""suspend":false"#, with: #""suspend":true"#))

        job.spec.suspend = false
        job.spec.template.spec.containers[0].image = "ghcr.io/example/agent:1.5.0"
        #expect(job.serialized == original.replacingOccurrences(of: "agent:1.4.2", with: "agent:1.5.0"))

        // An added field is appended to its object; the rest is untouched.
        job = try Job(decoding: Fixture.job)
        job.metadata.labels["flightdeck.dev/phase"] = "strategic"
        #expect(job.serialized.contains(#""labels":{"app.kubernetes.io/managed-by":"flightdeck","flightdeck.dev/job":"agent-3f2a","flightdeck.dev/phase":"strategic"}"#))
        #expect(job.metadata.managedFields == (try Job(decoding: Fixture.job)).metadata.managedFields)

        // Removing a field removes only it.
        job = try Job(decoding: Fixture.job)
        job.spec.activeDeadlineSeconds = nil
        #expect(job.serialized == original.replacingOccurrences(of: #""activeDeadlineSeconds":3600,"#, with: ""))

        // Conditions: update one, append one.
        job = try Job(decoding: Fixture.job)
        var conditions = job.status.conditions
        conditions.set(Condition(type: "Suspended", status: .false, reason: "JobResumed",
            lastTransitionTime: Date(timeIntervalSince1970: 1_795_000_000.7)))
        job.status.conditions = conditions
        #expect(job.status.conditions.last?.json.serialized
            == #"{"type":"Suspended","status":"False","reason":"JobResumed","lastTransitionTime":"2026-11-18T11:06:40Z"}"#)
        #expect(job.status.conditions.count == 3)
    }

    @Test func emptyViewsAddNothingAndNewObjectsAreWellFormed() throws {
        var job = Job(name: "agent-1", namespace: "agents")
        #expect(job.serialized == #"{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"agent-1","namespace":"agents"}}"#)
        job.spec.suspend = nil
        job.metadata.labels = [:]
        job.status.conditions = []
        #expect(job.serialized == #"{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"agent-1","namespace":"agents"}}"#)

        job.spec.backoffLimit = 0
        job.spec.podFailurePolicy = PodFailurePolicy(rules: [
            PodFailurePolicyRule(action: .failJob,
                onExitCodes: .init(containerName: "agent", operator: "In", values: [42])),
            PodFailurePolicyRule(action: .ignore, onPodConditions: [.init(type: "DisruptionTarget", status: .true)]),
        ])
        var container = Container(name: "agent", image: "agent:1")
        container.env = [EnvVar(name: "A", value: "1")]
        job.spec.template.spec.containers = [container]
        job.spec.template.spec.restartPolicy = "Never"
        job.metadata.labels = ["b": "2", "a": "1"]
        #expect(job.serialized == #"{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"agent-1","namespace":"agents","labels":{"a":"1","b":"2"}},"spec":{"backoffLimit":0,"podFailurePolicy":{"rules":[{"action":"FailJob","onExitCodes":{"containerName":"agent","operator":"In","values":[42]}},{"action":"Ignore","onPodConditions":[{"type":"DisruptionTarget","status":"True"}]}]},"template":{"spec":{"containers":[{"name":"agent","image":"agent:1","env":[{"name":"A","value":"1"}]}],"restartPolicy":"Never"}}}}"#)
    }

    @Test func decodingRejectsWrongKindAndNonObjects() {
        #expect(throws: KubeDecodingError.self) { try Job(decoding: Fixture.pod) }
        #expect(throws: KubeDecodingError.self) { try Job(decoding: "[1]") }
        #expect(throws: KubeDecodingError.self) { try Job(decoding: "{") }
    }

    // MARK: Pod

    @Test func podStatusesAndSidecars() throws {
        let pod = try Pod(decoding: Fixture.pod)
        #expect(pod.metadata.generateName == "agent-3f2a-")
        #expect(pod.metadata.finalizers == ["batch.kubernetes.io/job-tracking"])
        let owner = try #require(pod.metadata.controllerReference)
        #expect(owner.kind == "Job")
        #expect(owner.uid == "0b6c2a8e-3d7f-4b8e-9a51-2f0e6c1d9a44")
        #expect(owner.blockOwnerDeletion == true)
        #expect(pod.spec.nodeName == "homelab-1")
        #expect(pod.spec.automountServiceAccountToken == false)
        #expect(pod.spec.securityContext.runAsNonRoot == true)
        #expect(pod.spec.initContainers.map(\.name) == ["log-shipper", "seed"])
        #expect(pod.spec.sidecarContainers.map(\.name) == ["log-shipper"])
        #expect(pod.spec.initContainers[0].livenessProbe?[path: ["httpGet", "port"]] == 8686)
        #expect(pod.spec.volumes.map(\.name) == ["workspace", "kube-api-access-8x2lq"])

        let status = pod.status
        #expect(status.phase == .running)
        #expect(status.podIP == "10.42.0.17")
        #expect(status.startTime == RFC3339.date(from: "2026-11-29T04:20:01Z"))
        #expect(status.conditions.first(type: "Ready")?.status == .false)
        #expect(status.conditions.first(type: "Ready")?.reason == "ContainersNotReady")

        let agent = try #require(status.containerStatus(named: "agent"))
        #expect(agent.ready == false)
        #expect(agent.restartCount == 1)
        #expect(agent.state.waiting?.reason == "CrashLoopBackOff")
        #expect(agent.state.running == nil)
        let oom = try #require(agent.lastState.terminated)
        #expect(oom.exitCode == 137)
        #expect(oom.reason == "OOMKilled")
        #expect(oom.finishedAt == RFC3339.date(from: "2026-11-29T04:24:39Z"))

        let sidecar = try #require(status.containerStatus(named: "log-shipper"))
        #expect(sidecar.state.running?.startedAt == RFC3339.date(from: "2026-11-29T04:20:06Z"))
        #expect(status.initContainerStatuses[1].state.terminated?.reason == "Completed")
        #expect(status.initContainerStatuses[1].state.terminated?.exitCode == 0)
    }

    @Test func podStatusWriteKeepsUnknownFields() throws {
        var pod = try Pod(decoding: Fixture.pod)
        pod.status.containerStatuses[0].state = .terminated(exitCode: 0, reason: "Completed",
            startedAt: RFC3339.date(from: "2026-11-29T04:25:00Z"), finishedAt: RFC3339.date(from: "2026-11-29T04:30:00Z"))
        pod.status.phase = .succeeded
        let json = pod.serialized
        #expect(json.contains(#""state":{"terminated":{"exitCode":0,"reason":"Completed","startedAt":"2026-11-29T04:25:00Z","finishedAt":"2026-11-29T04:30:00Z"}}"#))
        #expect(json.contains(#""qosClass":"Burstable""#))
        #expect(json.contains(#""imageID":"ghcr.io/example/agent@sha256:abcd""#))
        #expect(json.contains(#""phase":"Succeeded""#))
        #expect(try Pod(decoding: json).status.containerStatuses[0].lastState.terminated?.reason == "OOMKilled")
    }

    // MARK: Events, storage, secrets

    @Test func bothEventAPIsSummarise() throws {
        let core = EventSummary(json: try JSONParser().parse(Fixture.coreEvent))
        #expect(core.reason == "BackOff")
        #expect(core.type == "Warning" && core.isWarning)
        #expect(core.count == 3)
        #expect(core.objectKind == "Pod" && core.objectName == "agent-3f2a-x7k2p")
        #expect(core.component == "kubelet")
        #expect(core.firstSeen == RFC3339.date(from: "2026-11-29T04:24:40Z"))
        #expect(core.lastSeen == RFC3339.date(from: "2026-11-29T04:26:02Z"))
        #expect(core.message.hasPrefix("Back-off restarting failed container agent"))

        let v1 = EventSummary(json: try JSONParser().parse(Fixture.eventsV1Event))
        #expect(v1.reason == "SuccessfulCreate")
        #expect(v1.message == "Created pod: agent-3f2a-x7k2p")
        #expect(v1.objectKind == "Job" && v1.objectName == "agent-3f2a")
        #expect(v1.count == 1)
        #expect(v1.component == "job-controller")
        #expect(v1.firstSeen == RFC3339.date(from: "2026-11-29T04:20:01Z"))

        let series = try EventsV1Event(decoding: Fixture.eventsV1Series)
        #expect(series.seriesCount == 7)
        #expect(series.eventTime == RFC3339.date(from: "2026-11-29T04:20:01.123456Z"))
        let summary = EventSummary(series)
        #expect(summary.count == 7)
        #expect(summary.component == "kubernetes.io/kubelet")
        #expect(summary.lastSeen == RFC3339.date(from: "2026-11-29T04:29:00.000001Z"))

        var event = try CoreEvent(decoding: Fixture.coreEvent)
        event.eventTime = Date(timeIntervalSince1970: 1_795_000_000.25)
        #expect(event.serialized.contains(#""eventTime":"2026-11-18T11:06:40.250000Z""#))
    }

    @Test func storageObjects() throws {
        let pvc = try PersistentVolumeClaim(decoding: Fixture.pvc)
        #expect(pvc.spec.storageClassName == "local-path")
        #expect(pvc.spec.accessModes == ["ReadWriteOnce"])
        #expect(pvc.spec.storageRequest == "5Gi")
        #expect(pvc.spec.volumeName == "pvc-5c9d")
        #expect(pvc.phase == "Bound")
        #expect(pvc.capacity?.int64Value == 5 << 30)

        let pv = try PersistentVolume(decoding: Fixture.pv)
        #expect(pv.spec.hostPath == "/var/lib/rancher/k3s/storage/pvc-5c9d_agents_ws-agent-3f2a")
        #expect(pv.spec.localPath == nil)
        #expect(pv.spec.path == pv.spec.hostPath)
        #expect(pv.spec.requiredNodeNames == ["homelab-1"])
        #expect(pv.spec.claimRef?.name == "ws-agent-3f2a")
        #expect(pv.spec.claimRef?.namespace == "agents")
        #expect(pv.spec.capacity == Quantity.bytes(5 << 30))
        #expect(pv.spec.persistentVolumeReclaimPolicy == "Delete")
        #expect(pv.phase == "Bound")
        #expect(pv.metadata.namespace == nil)

        var newPVC = PersistentVolumeClaim(name: "ws-1", namespace: "agents")
        newPVC.spec.accessModes = ["ReadWriteOnce"]
        newPVC.spec.storageClassName = "local-path"
        newPVC.spec.storageRequest = "1Gi"
        #expect(newPVC.serialized == #"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"ws-1","namespace":"agents"},"spec":{"accessModes":["ReadWriteOnce"],"storageClassName":"local-path","resources":{"requests":{"storage":"1Gi"}}}}"#)
    }

    @Test func secretDataIsBase64() throws {
        var secret = try Secret(decoding: #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"llm"},"type":"Opaque","data":{"key":"c2stcHJvai1hYmM="}}"#)
        #expect(secret.type == "Opaque")
        #expect(secret.string(forKey: "key") == "sk-proj-abc")
        secret.data["bin"] = [0, 255, 1]
        #expect(secret.serialized.contains(#""data":{"bin":"AP8B","key":"c2stcHJvai1hYmM="}"#))
        secret.stringData = ["plain": "text"]
        #expect(secret.stringData == ["plain": "text"])

        var configMap = ConfigMap(name: "cfg", namespace: "agents")
        configMap.data = ["vector.yaml": "sources: {}"]
        #expect(configMap.serialized.hasSuffix(#""data":{"vector.yaml":"sources: {}"}}"#))
    }

    @Test func otherKinds() throws {
        let storageClass = try StorageClass(decoding: #"{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"},"name":"local-path"},"provisioner":"rancher.io/local-path","reclaimPolicy":"Delete","volumeBindingMode":"WaitForFirstConsumer"}"#)
        #expect(storageClass.provisioner == "rancher.io/local-path")
        #expect(storageClass.volumeBindingMode == "WaitForFirstConsumer")
        #expect(storageClass.reclaimPolicy == "Delete")
        #expect(storageClass.isDefault)

        var role = Role(name: "agent", namespace: "agents")
        role.rules = [PolicyRule(apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list", "watch"])]
        #expect(role.rules[0].allows(verb: "get", group: "", resource: "pods/log"))
        #expect(!role.rules[0].allows(verb: "delete", group: "", resource: "pods"))
        #expect(!role.rules[0].allows(verb: "get", group: "batch", resource: "jobs"))
        #expect(role.serialized == #"{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"agent","namespace":"agents"},"rules":[{"apiGroups":[""],"resources":["pods","pods/log"],"verbs":["get","list","watch"]}]}"#)

        var binding = RoleBinding(name: "agent", namespace: "agents")
        binding.roleRef = .init(kind: "Role", name: "agent", apiGroup: "rbac.authorization.k8s.io")
        binding.subjects = [.init(kind: "ServiceAccount", name: "agent", namespace: "agents")]
        #expect(binding.subjects.first?.kind == "ServiceAccount")

        var review = SelfSubjectAccessReview(verb: "create", group: "batch", resource: "jobs", namespace: "agents")
        #expect(review.serialized == #"{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","metadata":{},"spec":{"resourceAttributes":{"verb":"create","group":"batch","resource":"jobs","namespace":"agents"}}}"#)
        review.allowed = false
        review.denied = true
        review.reason = "no RBAC policy matched"
        #expect(review.allowed == false && review.denied == true && review.reason == "no RBAC policy matched")
        #expect(review.resourceAttributes.resource == "jobs")

        let namespace = try Namespace(decoding: #"{"apiVersion":"v1","kind":"Namespace","metadata":{"labels":{"pod-security.kubernetes.io/enforce":"restricted"},"name":"agents"},"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}}"#)
        #expect(namespace.phase == "Active")
        #expect(namespace.metadata.labels["pod-security.kubernetes.io/enforce"] == "restricted")

        let deployment = try Deployment(decoding: #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"nats"},"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"nats","image":"nats:2.10"}]}}},"status":{"readyReplicas":1}}"#)
        #expect(deployment.replicas == 1 && deployment.readyReplicas == 1)
        #expect(deployment.template.spec.containers.first?.image == "nats:2.10")

        let service = try Service(decoding: #"{"apiVersion":"v1","kind":"Service","metadata":{"name":"nats"},"spec":{"type":"ClusterIP","clusterIP":"10.43.0.10","selector":{"app":"nats"},"ports":[{"name":"client","port":4222,"protocol":"TCP","targetPort":4222}]}}"#)
        #expect(service.ports == [4222] && service.selector == ["app": "nats"] && service.clusterIP == "10.43.0.10")

        let policy = try NetworkPolicy(decoding: #"{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"agents-egress"},"spec":{"podSelector":{"matchLabels":{"app.kubernetes.io/managed-by":"flightdeck"}},"policyTypes":["Egress"],"egress":[]}}"#)
        #expect(policy.policyTypes == ["Egress"])
        #expect(try policy.podSelector.selector.description == "app.kubernetes.io/managed-by=flightdeck")

        let account = try ServiceAccount(decoding: #"{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"agent"},"automountServiceAccountToken":false}"#)
        #expect(account.automountServiceAccountToken == false)
    }

    // MARK: Lists and watch

    @Test func listWithContinue() throws {
        let list = try KubeList<Job>(decoding: Array(Fixture.jobList.utf8))
        #expect(list.kind == "JobList")
        #expect(list.resourceVersion == "48300")
        #expect(list.continue == "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDgzMDAsInN0YXJ0IjoiYWdlbnRzL2JcdTAwMDAifQ")
        #expect(list.remainingItemCount == 3)
        #expect(list.items.map(\.name) == ["a", "b"])
        #expect(list.items.map(\.spec.parallelism) == [1, 2])

        let built = KubeList<Job>(items: [Job(name: "a", namespace: "agents")], resourceVersion: "7")
        #expect(built.serialized == #"{"kind":"JobList","apiVersion":"batch/v1","metadata":{"resourceVersion":"7"},"items":[{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"a","namespace":"agents"}}]}"#)
        #expect(built.continue == nil)

        #expect(throws: Status.self) { try KubeList<Job>(decoding: Array(Fixture.status410.utf8)) }
    }

    @Test func watchStream() throws {
        let events = try Fixture.watchStream.split(separator: "\n").map { try WatchEvent(line: String($0)) }
        #expect(events.map(\.type) == [.added, .modified, .bookmark, .deleted, .error])
        #expect(events[0].object(as: Job.self).name == "agent-3f2a")
        #expect(events[1].object(as: Job.self).status.active == 1)
        #expect(events[2].resourceVersion == "48300")
        #expect(events[3].object(as: Job.self).status.succeeded == 1)
        let status = try #require(events[4].status)
        #expect(status.code == 410)
        #expect(status.reason == "Expired")
        #expect(status.sentence == "too old resource version: 48100 (48350)")
        #expect(events[0].status == nil)

        // Each line re-serialises to exactly what came in.
        for (line, event) in zip(Fixture.watchStream.split(separator: "\n"), events) {
            #expect(event.serialized == Fixture.compact(String(line)))
        }
        #expect(WatchEvent.bookmark(.jobs, resourceVersion: "9").serialized
            == #"{"type":"BOOKMARK","object":{"kind":"Job","apiVersion":"batch/v1","metadata":{"resourceVersion":"9"}}}"#)
        #expect(WatchEvent.error(.expired(requested: "1", current: "5")).serialized
            == #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}"#)
        #expect(throws: KubeDecodingError.self) { try WatchEvent(line: #"{"type":"ADDED"}"#) }
    }

    // MARK: Status

    @Test func statusFixturesReadAndBuildersMatchTheServer() throws {
        let forbidden = Status(json: try JSONParser().parse(Fixture.status403))
        #expect(forbidden.sentence == #"jobs.batch "agent-3f2a" is forbidden: User "system:serviceaccount:flightdeck:cockpit" cannot create resource "jobs" in API group "batch" in the namespace "agents""#)
        #expect(forbidden.code == 403 && forbidden.details?.kind == "jobs" && forbidden.details?.group == "batch")
        #expect(Status.rbacForbidden(user: "system:serviceaccount:flightdeck:cockpit", verb: "create", .jobs,
            name: "agent-3f2a", namespace: "agents").serialized == Fixture.compact(Fixture.status403))

        #expect(Status.notFound(.jobs, name: "agent-0000").serialized == Fixture.compact(Fixture.status404))
        #expect(Status.conflict(.jobs, name: "agent-3f2a").serialized == Fixture.compact(Fixture.status409))
        #expect(Status.expired(requested: "123", current: "456").serialized == Fixture.compact(Fixture.status410))
        #expect(Status.invalid(.jobs, name: "agent-3f2a", causes: [Status.required("spec.template.spec.containers")])
            .serialized == Fixture.compact(Fixture.status422))
        let invalid = Status(json: try JSONParser().parse(Fixture.status422))
        #expect(invalid.details?.causes.first?.field == "spec.template.spec.containers")
        #expect(invalid.details?.causes.first?.reason == "FieldValueRequired")

        #expect(Status.alreadyExists(.jobs, name: "x").message == #"jobs.batch "x" already exists"#)
        #expect(Status.notFound(.pods, name: "p").message == #"pods "p" not found"#)
        #expect(Status.notFound(.pods, name: "p").details?.group == nil)
        #expect(Status.invalid(.pods, name: "p", causes: [Status.required("spec.containers"),
            Status.invalidValue("metadata.name", "A_B", "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters")]).message
            == #"Pod "p" is invalid: [spec.containers: Required value, metadata.name: Invalid value: "A_B": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters]"#)
        #expect(Status.rbacForbidden(user: "u", verb: "list", .persistentVolumes, namespace: nil).message
            == #"persistentvolumes is forbidden: User "u" cannot list resource "persistentvolumes" in API group "" at the cluster scope"#)
        #expect(Status.rbacForbidden(user: "u", verb: "get", .pods, name: "p", subresource: "log", namespace: "a").message
            == #"pods "p" is forbidden: User "u" cannot get resource "pods/log" in API group "" in the namespace "a""#)
        #expect(Status.methodNotAllowed(.selfSubjectAccessReviews, action: "list").code == 405)
        #expect(Status.badRequest("x").reason == "BadRequest")

        let podSecurity = Status.podSecurityForbidden(name: "agent-3f2a-x7k2p", violations: [
            .init(reason: "allowPrivilegeEscalation != false",
                detail: #"container "agent" must set securityContext.allowPrivilegeEscalation=false"#),
            .init(reason: "unrestricted capabilities", detail: #"container "agent" must set securityContext.capabilities.drop=["ALL"]"#),
        ])
        #expect(podSecurity.sentence == #"pods "agent-3f2a-x7k2p" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "agent" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "agent" must set securityContext.capabilities.drop=["ALL"])"#)
        #expect(podSecurity.code == 403)

        // No message: a sentence from the reason.
        #expect(Status(json: ["kind": "Status", "code": 404]).sentence == "the server could not find the requested resource")
        #expect(Status(json: ["kind": "Status", "code": 418]).sentence == "the server responded with the status code 418")
    }
}
