import FlightdeckApp
import FlightdeckCore
import FlightdeckTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The workspace reader on a real directory an agent could have written: it lists links as
/// links and never reads through one, nor outside the workspace, nor from a FIFO.
@Suite struct WorkspaceScanTests {
    let directory = TemporaryDirectory("flightdeck-scan")
    var root: String { directory.file("workspace") }

    init() throws {
        let files = FileManager.default
        try files.createDirectory(atPath: root + "/src/deep", withIntermediateDirectories: true)
        try files.createDirectory(atPath: directory.file("outside"), withIntermediateDirectories: true)
        try "print('hi')\n".write(toFile: root + "/src/main.py", atomically: true, encoding: .utf8)
        try "deep\n".write(toFile: root + "/src/deep/notes.txt", atomically: true, encoding: .utf8)
        try "the operator's secret\n".write(toFile: directory.file("outside/secret.txt"), atomically: true, encoding: .utf8)
        try files.createSymbolicLink(atPath: root + "/escape.txt", withDestinationPath: directory.file("outside/secret.txt"))
        try files.createSymbolicLink(atPath: root + "/escape-dir", withDestinationPath: directory.file("outside"))
        #expect(mkfifo(root + "/pipe", 0o600) == 0)
    }

    @Test func listsTheTreeWithLinksAsLinksAndNeverEntersThem() {
        let entries = WorkspaceScan.entries(root: root, limit: 100)
        let kinds = Dictionary(uniqueKeysWithValues: entries.map { ($0.path, $0.kind) })
        #expect(kinds["src"] == .directory)
        #expect(kinds["src/main.py"] == .file)
        #expect(kinds["src/deep/notes.txt"] == .file)
        #expect(kinds["escape.txt"] == .symlink)
        #expect(kinds["escape-dir"] == .symlink)
        #expect(!entries.contains { $0.path.hasPrefix("escape-dir/") })
        #expect(entries.first { $0.path == "src/main.py" }?.size == 12)
        #expect(entries.map(\.path) == entries.map(\.path).sorted())
    }

    @Test func listingStopsAtTheLimit() {
        #expect(WorkspaceScan.entries(root: root, limit: 3).count == 3)
    }

    @Test func previewsRegularFilesOnly() {
        #expect(WorkspaceScan.preview(root: root, relativePath: "src/main.py", limit: 100) == ("print('hi')\n", false))
        #expect(WorkspaceScan.preview(root: root, relativePath: "src/main.py", limit: 5) == ("print", true))
        #expect(WorkspaceScan.preview(root: root, relativePath: "escape.txt", limit: 100).0 == "(a symbolic link: not followed)")
        #expect(WorkspaceScan.preview(root: root, relativePath: "escape-dir/secret.txt", limit: 100).0
            == "(a symbolic link: not followed)")
        #expect(WorkspaceScan.preview(root: root, relativePath: "../outside/secret.txt", limit: 100).0 == "(outside the workspace)")
        #expect(WorkspaceScan.preview(root: root, relativePath: "pipe", limit: 100).0 == "(not a regular file)")
        #expect(WorkspaceScan.preview(root: root, relativePath: "src", limit: 100).0 == "(not a regular file)")
        #expect(WorkspaceScan.preview(root: root, relativePath: "missing", limit: 100).0 == "(cannot read)")
    }

    @Test func previewsAreRedactedAndSanitised() throws {
        try "key=sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789\n\u{1B}]52;c;aGk=\u{07}done\n"
            .write(toFile: root + "/out.log", atomically: true, encoding: .utf8)
        let (text, _) = WorkspaceScan.preview(root: root, relativePath: "out.log", limit: 1_000)
        #expect(!text.contains("abcdefghijklmnopqrstuvwxyz0123456789"))
        #expect(!text.contains("\u{1B}"))
        #expect(!text.contains("\u{07}"))
        try Data([0x41, 0x00, 0x42]).write(to: URL(fileURLWithPath: root + "/blob.bin"))
        #expect(WorkspaceScan.preview(root: root, relativePath: "blob.bin", limit: 100).0 == "(binary file)")
    }
}

/// Where a volume keeps its data, as read from a PersistentVolume (hostile input).
@Suite struct WorkspaceLocatorTests {
    @Test func hostPathOfLocalAndHostPathVolumesOnly() {
        #expect(WorkspaceLocator.hostPath(of: ["spec": ["local": ["path": "/var/lib/rancher/k3s/storage/pvc-1"]]])
            == "/var/lib/rancher/k3s/storage/pvc-1")
        #expect(WorkspaceLocator.hostPath(of: ["spec": ["hostPath": ["path": "/opt/local-path/pvc-2"]]]) == "/opt/local-path/pvc-2")
        #expect(WorkspaceLocator.hostPath(of: ["spec": ["nfs": ["path": "/export", "server": "nas"]]]) == nil)
        #expect(WorkspaceLocator.hostPath(of: ["spec": ["hostPath": ["path": "relative/dir"]]]) == nil)
        #expect(WorkspaceLocator.hostPath(of: ["spec": ["hostPath": ["path": "/var/lib/../../etc"]]]) == nil)
    }
}
