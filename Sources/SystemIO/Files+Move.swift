#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Files {
    /// Renames `source` to `destination` (same file system) and flushes the
    /// directory entries of both parents. Refuses to replace an existing
    /// `destination`: moving a file aside must never destroy another.
    public static func move(_ source: String, to destination: String) throws(FileError) {
        guard !exists(destination) else { throw FileError(path: destination, reason: "already exists") }
        guard rename(source, destination) == 0 else { throw FileError(path: source, reason: lastError()) }
        try syncDirectory(parentDirectory(of: destination))
        try syncDirectory(parentDirectory(of: source))
    }

    /// The absolute path with symbolic links, "." and ".." resolved; nil if
    /// `path` does not exist.
    public static func resolvedPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
