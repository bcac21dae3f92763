import FlightdeckCore
import KubeModel

/// Fixtures shaped as a k3s v1.31 apiserver writes them (`kubectl get -o json`, watch lines).
enum Fixture {
    static let job = #"""
    {
      "apiVersion": "batch/v1",
      "kind": "Job",
      "metadata": {
        "annotations": {
          "batch.kubernetes.io/job-tracking": "",
          "flightdeck.dev/task": "Refactor the parser"
        },
        "creationTimestamp": "2026-11-29T04:20:00Z",
        "generation": 1,
        "labels": {
          "app.kubernetes.io/managed-by": "flightdeck",
          "flightdeck.dev/job": "agent-3f2a"
        },
        "managedFields": [
          {
            "apiVersion": "batch/v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {
              "f:metadata": {"f:labels": {".": {}, "f:flightdeck.dev/job": {}}},
              "f:spec": {"f:backoffLimit": {}, "f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"agent\"}": {".": {}, "f:image": {}}}}}}
            },
            "manager": "flightdeck",
            "operation": "Update",
            "time": "2026-11-29T04:20:00Z"
          },
          {
            "apiVersion": "batch/v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:status": {"f:active": {}, "f:ready": {}, "f:startTime": {}}},
            "manager": "k3s",
            "operation": "Update",
            "subresource": "status",
            "time": "2026-11-29T04:20:03Z"
          }
        ],
        "name": "agent-3f2a",
        "namespace": "agents",
        "resourceVersion": "48213",
        "uid": "0b6c2a8e-3d7f-4b8e-9a51-2f0e6c1d9a44"
      },
      "spec": {
        "activeDeadlineSeconds": 3600,
        "backoffLimit": 2,
        "backoffLimitPerIndex": null,
        "completionMode": "NonIndexed",
        "completions": 1,
        "manualSelector": false,
        "parallelism": 1,
        "podFailurePolicy": {
          "rules": [
            {"action": "FailJob", "onExitCodes": {"containerName": "agent", "operator": "In", "values": [42]}},
            {"action": "Ignore", "onPodConditions": [{"status": "True", "type": "DisruptionTarget"}]}
          ]
        },
        "podReplacementPolicy": "Failed",
        "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "0b6c2a8e-3d7f-4b8e-9a51-2f0e6c1d9a44"}},
        "suspend": false,
        "template": {
          "metadata": {
            "creationTimestamp": null,
            "labels": {"batch.kubernetes.io/job-name": "agent-3f2a", "flightdeck.dev/job": "agent-3f2a"}
          },
          "spec": {
            "containers": [
              {
                "args": ["--task", "/workspace/task.md"],
                "command": ["/usr/local/bin/agent"],
                "env": [{"name": "NATS_URL", "value": "nats://nats.flightdeck:4222"}, {"name": "OPENAI_API_KEY", "valueFrom": {"secretKeyRef": {"key": "key", "name": "llm"}}}],
                "image": "ghcr.io/example/agent:1.4.2",
                "imagePullPolicy": "IfNotPresent",
                "name": "agent",
                "resources": {"limits": {"cpu": "2", "memory": "2Gi"}, "requests": {"cpu": "500m", "memory": "512Mi"}},
                "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
                "volumeMounts": [{"mountPath": "/workspace", "name": "workspace"}]
              }
            ],
            "dnsPolicy": "ClusterFirst",
            "restartPolicy": "Never",
            "schedulerName": "default-scheduler",
            "securityContext": {"fsGroup": 1000, "runAsUser": 1000},
            "serviceAccountName": "agent",
            "terminationGracePeriodSeconds": 30,
            "volumes": [{"name": "workspace", "persistentVolumeClaim": {"claimName": "ws-agent-3f2a"}}]
          }
        },
        "ttlSecondsAfterFinished": 86400
      },
      "status": {
        "completionTime": "2026-11-29T04:31:10Z",
        "conditions": [
          {"lastProbeTime": "2026-11-29T04:31:10Z", "lastTransitionTime": "2026-11-29T04:31:10Z", "message": "Reached expected number of succeeded pods", "reason": "CompletionsReached", "status": "True", "type": "SuccessCriteriaMet"},
          {"lastProbeTime": "2026-11-29T04:31:10Z", "lastTransitionTime": "2026-11-29T04:31:10Z", "message": "Reached expected number of succeeded pods", "reason": "CompletionsReached", "status": "True", "type": "Complete"}
        ],
        "ready": 0,
        "startTime": "2026-11-29T04:20:01Z",
        "succeeded": 1,
        "terminating": 0,
        "uncountedTerminatedPods": {}
      }
    }
    """#

    static let pod = #"""
    {
      "apiVersion": "v1",
      "kind": "Pod",
      "metadata": {
        "creationTimestamp": "2026-11-29T04:20:01Z",
        "finalizers": ["batch.kubernetes.io/job-tracking"],
        "generateName": "agent-3f2a-",
        "labels": {"batch.kubernetes.io/controller-uid": "0b6c2a8e-3d7f-4b8e-9a51-2f0e6c1d9a44", "batch.kubernetes.io/job-name": "agent-3f2a", "controller-uid": "0b6c2a8e-3d7f-4b8e-9a51-2f0e6c1d9a44", "job-name": "agent-3f2a"},
        "name": "agent-3f2a-x7k2p",
        "namespace": "agents",
        "ownerReferences": [{"apiVersion": "batch/v1", "blockOwnerDeletion": true, "controller": true, "kind": "Job", "name": "agent-3f2a", "uid": "0b6c2a8e-3d7f-4b8e-9a51-2f0e6c1d9a44"}],
        "resourceVersion": "48190",
        "uid": "7d1e0c52-9b4a-4d8e-8f3a-1c2b3d4e5f60"
      },
      "spec": {
        "automountServiceAccountToken": false,
        "containers": [
          {"image": "ghcr.io/example/agent:1.4.2", "name": "agent", "resources": {"limits": {"memory": "2Gi"}, "requests": {"cpu": "500m", "memory": "512Mi"}}, "securityContext": {"allowPrivilegeEscalation": false}, "volumeMounts": [{"mountPath": "/workspace", "name": "workspace"}]}
        ],
        "initContainers": [
          {"args": ["-c", "/etc/vector/vector.yaml"], "image": "timberio/vector:0.42.0-alpine", "livenessProbe": {"failureThreshold": 3, "httpGet": {"path": "/health", "port": 8686, "scheme": "HTTP"}, "periodSeconds": 10}, "name": "log-shipper", "restartPolicy": "Always", "resources": {}},
          {"command": ["sh", "-c", "cp /seed/* /workspace/"], "image": "busybox:1.37", "name": "seed"}
        ],
        "nodeName": "homelab-1",
        "restartPolicy": "Never",
        "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
        "serviceAccountName": "agent",
        "volumes": [{"name": "workspace", "persistentVolumeClaim": {"claimName": "ws-agent-3f2a"}}, {"name": "kube-api-access-8x2lq", "projected": {"defaultMode": 420, "sources": [{"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}]}}]
      },
      "status": {
        "conditions": [
          {"lastProbeTime": null, "lastTransitionTime": "2026-11-29T04:20:05Z", "status": "True", "type": "PodReadyToStartContainers"},
          {"lastProbeTime": null, "lastTransitionTime": "2026-11-29T04:20:09Z", "status": "True", "type": "Initialized"},
          {"lastProbeTime": null, "lastTransitionTime": "2026-11-29T04:24:40Z", "message": "containers with unready status: [agent]", "reason": "ContainersNotReady", "status": "False", "type": "Ready"}
        ],
        "containerStatuses": [
          {
            "containerID": "containerd://4f1c",
            "image": "ghcr.io/example/agent:1.4.2",
            "imageID": "ghcr.io/example/agent@sha256:abcd",
            "lastState": {"terminated": {"containerID": "containerd://39aa", "exitCode": 137, "finishedAt": "2026-11-29T04:24:39Z", "reason": "OOMKilled", "startedAt": "2026-11-29T04:20:10Z"}},
            "name": "agent",
            "ready": false,
            "restartCount": 1,
            "started": false,
            "state": {"waiting": {"message": "back-off 10s restarting failed container=agent pod=agent-3f2a-x7k2p_agents(7d1e0c52)", "reason": "CrashLoopBackOff"}}
          }
        ],
        "hostIP": "192.168.1.20",
        "initContainerStatuses": [
          {"containerID": "containerd://77b0", "image": "docker.io/timberio/vector:0.42.0-alpine", "imageID": "x", "lastState": {}, "name": "log-shipper", "ready": true, "restartCount": 0, "started": true, "state": {"running": {"startedAt": "2026-11-29T04:20:06Z"}}},
          {"containerID": "containerd://8c21", "image": "docker.io/library/busybox:1.37", "imageID": "y", "lastState": {}, "name": "seed", "ready": true, "restartCount": 0, "started": false, "state": {"terminated": {"containerID": "containerd://8c21", "exitCode": 0, "finishedAt": "2026-11-29T04:20:08Z", "reason": "Completed", "startedAt": "2026-11-29T04:20:07Z"}}}
        ],
        "phase": "Running",
        "podIP": "10.42.0.17",
        "podIPs": [{"ip": "10.42.0.17"}],
        "qosClass": "Burstable",
        "startTime": "2026-11-29T04:20:01Z"
      }
    }
    """#

    static let coreEvent = #"""
    {"apiVersion":"v1","count":3,"eventTime":null,"firstTimestamp":"2026-11-29T04:24:40Z","involvedObject":{"apiVersion":"v1","fieldPath":"spec.containers{agent}","kind":"Pod","name":"agent-3f2a-x7k2p","namespace":"agents","resourceVersion":"48150","uid":"7d1e0c52-9b4a-4d8e-8f3a-1c2b3d4e5f60"},"kind":"Event","lastTimestamp":"2026-11-29T04:26:02Z","message":"Back-off restarting failed container agent in pod agent-3f2a-x7k2p_agents(7d1e0c52-9b4a-4d8e-8f3a-1c2b3d4e5f60)","metadata":{"creationTimestamp":"2026-11-29T04:24:40Z","name":"agent-3f2a-x7k2p.187c2e7a9f0b1c2d","namespace":"agents","resourceVersion":"48222","uid":"e1f2"},"reason":"BackOff","reportingComponent":"kubelet","reportingInstance":"homelab-1","source":{"component":"kubelet","host":"homelab-1"},"type":"Warning"}
    """#

    static let eventsV1Event = #"""
    {"apiVersion":"events.k8s.io/v1","deprecatedCount":1,"deprecatedFirstTimestamp":"2026-11-29T04:20:01Z","deprecatedLastTimestamp":"2026-11-29T04:20:01Z","deprecatedSource":{"component":"job-controller"},"eventTime":null,"kind":"Event","metadata":{"creationTimestamp":"2026-11-29T04:20:01Z","name":"agent-3f2a.187c2e6b","namespace":"agents","resourceVersion":"48180","uid":"a1b2"},"note":"Created pod: agent-3f2a-x7k2p","reason":"SuccessfulCreate","regarding":{"apiVersion":"batch/v1","kind":"Job","name":"agent-3f2a","namespace":"agents","resourceVersion":"48170","uid":"0b6c2a8e-3d7f-4b8e-9a51-2f0e6c1d9a44"},"type":"Normal"}
    """#

    static let eventsV1Series = #"""
    {"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"w.1","namespace":"agents"},"eventTime":"2026-11-29T04:20:01.123456Z","series":{"count":7,"lastObservedTime":"2026-11-29T04:29:00.000001Z"},"reportingController":"kubernetes.io/kubelet","reportingInstance":"homelab-1","action":"Pulling","reason":"Pulling","regarding":{"kind":"Pod","name":"p","namespace":"agents"},"note":"Pulling image","type":"Normal"}
    """#

    static let pvc = #"""
    {"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"annotations":{"pv.kubernetes.io/bind-completed":"yes","pv.kubernetes.io/bound-by-controller":"yes","volume.beta.kubernetes.io/storage-provisioner":"rancher.io/local-path","volume.kubernetes.io/selected-node":"homelab-1","volume.kubernetes.io/storage-provisioner":"rancher.io/local-path"},"creationTimestamp":"2026-11-29T04:19:58Z","finalizers":["kubernetes.io/pvc-protection"],"name":"ws-agent-3f2a","namespace":"agents","resourceVersion":"48160","uid":"5c9d"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"5Gi"}},"storageClassName":"local-path","volumeMode":"Filesystem","volumeName":"pvc-5c9d"},"status":{"accessModes":["ReadWriteOnce"],"capacity":{"storage":"5Gi"},"phase":"Bound"}}
    """#

    static let pv = #"""
    {"apiVersion":"v1","kind":"PersistentVolume","metadata":{"annotations":{"local.path.provisioner/selected-node":"homelab-1","pv.kubernetes.io/provisioned-by":"rancher.io/local-path"},"creationTimestamp":"2026-11-29T04:20:00Z","finalizers":["kubernetes.io/pv-protection"],"name":"pvc-5c9d","resourceVersion":"48158","uid":"9e8f"},"spec":{"accessModes":["ReadWriteOnce"],"capacity":{"storage":"5Gi"},"claimRef":{"apiVersion":"v1","kind":"PersistentVolumeClaim","name":"ws-agent-3f2a","namespace":"agents","resourceVersion":"48150","uid":"5c9d"},"hostPath":{"path":"/var/lib/rancher/k3s/storage/pvc-5c9d_agents_ws-agent-3f2a","type":"DirectoryOrCreate"},"nodeAffinity":{"required":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"kubernetes.io/hostname","operator":"In","values":["homelab-1"]}]}]}},"persistentVolumeReclaimPolicy":"Delete","storageClassName":"local-path","volumeMode":"Filesystem"},"status":{"lastPhaseTransitionTime":"2026-11-29T04:20:00Z","phase":"Bound"}}
    """#

    static let status403 = #"""
    {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"jobs.batch \"agent-3f2a\" is forbidden: User \"system:serviceaccount:flightdeck:cockpit\" cannot create resource \"jobs\" in API group \"batch\" in the namespace \"agents\"","reason":"Forbidden","details":{"name":"agent-3f2a","group":"batch","kind":"jobs"},"code":403}
    """#
    static let status404 = #"""
    {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"jobs.batch \"agent-0000\" not found","reason":"NotFound","details":{"name":"agent-0000","group":"batch","kind":"jobs"},"code":404}
    """#
    static let status409 = #"""
    {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on jobs.batch \"agent-3f2a\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"agent-3f2a","group":"batch","kind":"jobs"},"code":409}
    """#
    static let status410 = #"""
    {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 123 (456)","reason":"Expired","code":410}
    """#
    static let status422 = #"""
    {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Job.batch \"agent-3f2a\" is invalid: spec.template.spec.containers: Required value","reason":"Invalid","details":{"name":"agent-3f2a","group":"batch","kind":"Job","causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.template.spec.containers"}]},"code":422}
    """#

    /// A watch stream as sent on `GET /apis/batch/v1/namespaces/agents/jobs?watch=true&allowWatchBookmarks=true`.
    static let watchStream = #"""
    {"type":"ADDED","object":{"kind":"Job","apiVersion":"batch/v1","metadata":{"name":"agent-3f2a","namespace":"agents","uid":"0b6c","resourceVersion":"48100"},"spec":{"suspend":false},"status":{}}}
    {"type":"MODIFIED","object":{"kind":"Job","apiVersion":"batch/v1","metadata":{"name":"agent-3f2a","namespace":"agents","uid":"0b6c","resourceVersion":"48110"},"spec":{"suspend":false},"status":{"active":1,"ready":1,"startTime":"2026-11-29T04:20:01Z"}}}
    {"type":"BOOKMARK","object":{"kind":"Job","apiVersion":"batch/v1","metadata":{"resourceVersion":"48300","annotations":{"k8s.io/initial-events-end":"true"}},"spec":{"template":{"metadata":{"creationTimestamp":null},"spec":{"containers":null}}},"status":{}}}
    {"type":"DELETED","object":{"kind":"Job","apiVersion":"batch/v1","metadata":{"name":"agent-3f2a","namespace":"agents","uid":"0b6c","resourceVersion":"48400"},"status":{"succeeded":1}}}
    {"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 48100 (48350)","reason":"Expired","code":410}}
    """#

    static let jobList = #"""
    {"apiVersion":"batch/v1","items":[{"metadata":{"name":"a","namespace":"agents","resourceVersion":"10"},"spec":{"parallelism":1}},{"metadata":{"name":"b","namespace":"agents","resourceVersion":"11"},"spec":{"parallelism":2}}],"kind":"JobList","metadata":{"continue":"eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDgzMDAsInN0YXJ0IjoiYWdlbnRzL2JcdTAwMDAifQ","remainingItemCount":3,"resourceVersion":"48300"}}
    """#

    /// Compact form of a fixture, as the model serialises it.
    static func compact(_ text: String) -> String {
        try! JSONParser(maxDepth: 128).parse(text).serialized
    }
}
