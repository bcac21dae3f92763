import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import KubeModel
import Testing

@testable import SimCluster

/// The services of the install bundle (the Squid egress proxy, NATS) as the kubelet runs
/// them: started from their config file, running and ready until stopped, then shut down
/// with exit 0.
@Suite("Service containers", .timeLimit(.minutes(3)))
struct ServiceContainerTests {
    @Test func imagesAreRecognisedByTheirRepositoryName() {
        #expect(ServiceProgram.of(image: "docker.io/ubuntu/squid:6.6-24.04_edge") == .squid)
        #expect(ServiceProgram.of(image: "docker.io/library/nats:2.10.22-alpine") == .nats)
        #expect(ServiceProgram.of(image: "nats-server@sha256:0123") == .nats)
        #expect(ServiceProgram.of(image: "natsio/nats-box:0.14") == nil)
        #expect(ServiceProgram.of(image: "ghcr.io/acme/squidward:1") == nil)
        #expect(ServiceProgram.squid.version(image: "docker.io/ubuntu/squid:6.6-24.04_edge") == "6.6")
        #expect(ServiceProgram.nats.version(image: "nats:latest") == "2.10.22")
    }

    /// A pod of one `container` on the node, its config map mounted at `configPath`'s directory.
    func servicePod(_ name: String, container: Container, configMap: String, mountPath: String,
        extraVolume: (name: String, mountPath: String)? = nil) -> JSONValue
    {
        var pod = Pod()
        pod.metadata.name = name
        pod.metadata.namespace = "default"
        pod.metadata.finalizers = ["test.flightdeck/keep"]
        pod.spec.nodeName = "flightdeck-sim"
        var config = Volume()
        config.name = "config"
        config.configMapName = configMap
        var volumes = [config]
        var container = container
        container.volumeMounts = [VolumeMount(name: "config", mountPath: mountPath)]
        if let extraVolume {
            var data = Volume()
            data.name = extraVolume.name
            data.json.setMember("emptyDir", .emptyObject)
            volumes.append(data)
            container.volumeMounts += [VolumeMount(name: extraVolume.name, mountPath: extraVolume.mountPath)]
        }
        pod.spec.volumes = volumes
        pod.spec.containers = [container]
        return pod.json
    }

    func configMap(_ name: String, _ key: String, _ text: String) -> JSONValue {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "namespace": "default"],
            "data": [key: .string(text)]]
    }

    @Test func squidServesUntilStoppedAndIsReady() async throws {
        let bed = try KubeletBed()
        bed.kubelet.start()
        _ = try bed.store.create(configMap("egress-proxy", "squid.conf", "http_port 3129\ncache deny all\n"),
            type: .configMaps)
        var squid = Container(name: "squid", image: "docker.io/ubuntu/squid:6.6-24.04_edge")
        squid.command = ["squid", "-N", "-f", "/etc/squid-flightdeck/squid.conf"]
        _ = try bed.store.create(servicePod("proxy-1", container: squid, configMap: "egress-proxy",
            mountPath: "/etc/squid-flightdeck"), type: .pods)
        let running = await bed.waitFor("proxy-1") { $0.condition("Ready")?.status == .true }
        #expect(running.phase == .running)
        #expect(running.container("squid")?.ready == true)
        #expect(running.container("squid")?.state.running != nil)
        try await eventually {
            let log = try await bed.kubelet.podLogs(namespace: "default", name: "proxy-1").text()
            return log.contains("Accepting HTTP Socket connections at conn1 local=[::]:3129")
        }
        let log = try await bed.kubelet.podLogs(namespace: "default", name: "proxy-1").text()
        #expect(log.contains("Starting Squid Cache version 6.6 for x86_64-pc-linux-gnu..."))

        _ = try bed.store.delete(type: .pods, namespace: "default", name: "proxy-1")
        let stopped = await bed.waitFor("proxy-1") { $0.container("squid")?.state.terminated != nil }
        #expect(stopped.container("squid")?.state.terminated?.exitCode == 0)
        let last = try await bed.kubelet.podLogs(namespace: "default", name: "proxy-1").lines()
        #expect(last.last?.hasSuffix("Squid Cache (Version 6.6): Exiting normally.") == true)
        await bed.kubelet.stop()
    }

    @Test func natsStartsJetStreamOnItsVolume() async throws {
        let bed = try KubeletBed()
        bed.kubelet.start()
        let config = "server_name: flightdeck-nats\nport: 4222\nhttp_port: 8222\njetstream {\n  store_dir: /data/jetstream\n}\n"
        _ = try bed.store.create(configMap("nats", "nats.conf", config), type: .configMaps)
        var nats = Container(name: "nats", image: "docker.io/library/nats:2.10.22-alpine")
        nats.args = ["--config", "/etc/nats/nats.conf"]
        _ = try bed.store.create(servicePod("nats-1", container: nats, configMap: "nats", mountPath: "/etc/nats",
            extraVolume: ("data", "/data")), type: .pods)
        let running = await bed.waitFor("nats-1") { $0.condition("Ready")?.status == .true }
        #expect(running.container("nats")?.ready == true)
        try await eventually {
            try await bed.kubelet.podLogs(namespace: "default", name: "nats-1").text().contains("Server is ready")
        }
        let lines = try await bed.kubelet.podLogs(namespace: "default", name: "nats-1").lines()
        let messages = lines.map { $0.split(separator: " ", maxSplits: 3).dropFirst(3).first.map(String.init) ?? $0 }
        #expect(messages == [
            "[INF] Starting nats-server", "[INF]   Version:  2.10.22", "[INF]   Name:     flightdeck-nats",
            "[INF] Using configuration file: /etc/nats/nats.conf", "[INF] Starting http monitor on 0.0.0.0:8222",
            "[INF] Starting JetStream", "[INF]     Store Directory: \"/data/jetstream\"",
            "[INF] Listening for client connections on 0.0.0.0:4222", "[INF] Server is ready",
        ])
        #expect(lines.first?.hasPrefix("[1] ") == true)
        let uid = try #require(running.metadata.uid)
        let store = bed.directory.path + "/node/pods/\(uid)/volumes/kubernetes.io~empty-dir/data/jetstream"
        #expect(FileManager.default.fileExists(atPath: store))
        await bed.kubelet.stop()
    }
}
