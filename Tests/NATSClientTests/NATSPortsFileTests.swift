import FlightdeckTestSupport
import Foundation
import NATSClient
import Testing

/// The ports file nats-server writes with `--ports_file_dir`: the port is read once the file
/// is there and whole, and nothing else is taken for it.
@Suite struct NATSPortsFileTests {
    let dir = TemporaryDirectory()

    @Test func readsTheClientPortOnceTheFileIsWritten() throws {
        #expect(NATSPortsFile.clientPort(inDirectory: dir.path) == nil)
        try "{\"nats\":[\"nats://127.0.0.1:4".write(toFile: dir.file("nats-server_12.ports"), atomically: false, encoding: .utf8)
        #expect(NATSPortsFile.clientPort(inDirectory: dir.path) == nil, "half-written")
        try #"{"nats":["nats://127.0.0.1:45017"],"monitoring":["http://127.0.0.1:8222"]}"#
            .write(toFile: dir.file("nats-server_12.ports"), atomically: true, encoding: .utf8)
        #expect(NATSPortsFile.clientPort(inDirectory: dir.path) == 45017)
    }

    @Test func aDirectoryWithoutAPortsFileOrWithAnotherShapeHasNoPort() throws {
        #expect(NATSPortsFile.clientPort(inDirectory: dir.file("missing")) == nil)
        try #"{"nats":[]}"#.write(toFile: dir.file("nats-server_1.ports"), atomically: true, encoding: .utf8)
        #expect(NATSPortsFile.clientPort(inDirectory: dir.path) == nil)
    }
}
