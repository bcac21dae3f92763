/// Lexical path handling with kubectl's rules (Go's `filepath.Join`/`Clean`), with no file
/// system access: resolving a kubeconfig's relative paths must not depend on symlinks or on
/// whether the file exists yet (an error about a missing file should show the path
/// kubectl would have used).
enum PathRules {
    /// `path` if absolute, else `base/path`, cleaned (`.` and `..` removed lexically).
    static func resolve(_ path: String, against base: String) -> String {
        clean(path.hasPrefix("/") ? path : base + "/" + path)
    }

    /// The directory part of an absolute path (`/` for a file at the root).
    static func directory(of path: String) -> String {
        let cleaned = clean(path)
        guard let slash = cleaned.lastIndex(of: "/") else { return "." }
        let directory = String(cleaned[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    /// Go's `filepath.Clean` for the cases that occur here.
    static func clean(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                if let last = parts.last, last != ".." { parts.removeLast() } else if !absolute { parts.append(part) }
            default: parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// Makes a path given on the command line or in `KUBECONFIG` absolute against the
    /// working directory, so every later message and origin names one unambiguous file.
    static func absolute(_ path: String, workingDirectory: String) -> String {
        resolve(path, against: workingDirectory)
    }
}
