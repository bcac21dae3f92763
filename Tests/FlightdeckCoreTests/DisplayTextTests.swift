import FlightdeckCore
import Testing

/// The small formatters the panes call for every row of every frame.
@Suite struct DisplayTextTests {
    @Test(arguments: [
        (Int64(0), "0 B"), (999, "999 B"), (1_000, "1.0 KB"), (1_049, "1.0 KB"), (1_050, "1.1 KB"),
        (9_949, "9.9 KB"), (9_950, "10 KB"), (9_999, "10 KB"), (12_345, "12 KB"), (3_400_000, "3.4 MB"),
        (-5, "0 B"), (7_500_000_000_000_000, "7500 TB"),
    ])
    func byteSizes(_ count: Int64, _ expected: String) {
        #expect(DurationText.bytes(count) == expected)
    }

    @Test(arguments: [
        ("README.md", "README.md", 0), ("src/app/main.py", "main.py", 2), ("src/", "src", 0),
        ("a//b", "b", 1), ("/a/b", "b", 1), ("a/b//", "b", 1), ("", "", 0), ("/", "/", 0),
    ])
    func workspaceEntryNameAndDepth(_ path: String, _ name: String, _ depth: Int) {
        let entry = WorkspaceEntry(path: path, kind: .file, size: 1)
        #expect(entry.name == name)
        #expect(entry.depth == depth)
    }
}
