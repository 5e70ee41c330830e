#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX file operations vae-dist needs, with errors that name the path.
///
/// Checkpoints are the one thing a trainer must never lose, so writes go
/// through ``writeAtomically(_:to:)``: a reader sees the old file or the
/// whole new one, never a torn one, even across a crash or power loss.
public enum Files {
    public static func read(_ path: String) throws(FileError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileError(path: path, reason: lastError()) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FileError(path: path, reason: lastError()) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw FileError(path: path, reason: "is a directory, not a file") }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var filled = 0
        while filled < bytes.count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw FileError(path: path, reason: lastError()) }
            if got == 0 { break }
            filled += got
        }
        if filled < bytes.count { bytes.removeLast(bytes.count - filled) }
        // Files that report no size (/proc, pipes) are read to their end.
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while filled == bytes.count {
            let got = chunk.withUnsafeMutableBytes { buffer in Glibc.read(descriptor, buffer.baseAddress!, buffer.count) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw FileError(path: path, reason: lastError()) }
            if got == 0 { break }
            bytes += chunk[0..<got]
            filled += got
        }
        return bytes
    }

    /// Writes `bytes` to a temporary file beside `path`, flushes it to disk,
    /// renames it over `path` and flushes the directory entry. On any failure
    /// the temporary file is removed and `path` is left as it was.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(FileError) {
        let directory = parentDirectory(of: path)
        let temporary = "\(path).tmp.\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileError(path: path, reason: lastError()) }
        do throws(FileError) {
            try writeAll(bytes, to: descriptor, path: path)
            guard fsync(descriptor) == 0 else { throw FileError(path: path, reason: lastError()) }
            guard close(descriptor) == 0 else { throw FileError(path: path, reason: lastError()) }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let reason = lastError()
            unlink(temporary)
            throw FileError(path: path, reason: reason)
        }
        try syncDirectory(directory)
    }

    /// Flushes a directory's entries (a rename is durable only after this).
    public static func syncDirectory(_ path: String) throws(FileError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileError(path: path, reason: lastError()) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw FileError(path: path, reason: lastError()) }
    }

    /// Creates `path` and its missing parents; fails if it exists as a file.
    public static func createDirectory(_ path: String) throws(FileError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw FileError(path: current, reason: lastError())
            }
        }
        if let problem = directoryProblem(path) {
            throw FileError(path: path, reason: problem == "is not a directory" ? "exists and is not a directory" : problem)
        }
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// `base`, or `base-2`, `base-3`, ... : the first name nothing has, for
    /// setting a file aside without overwriting an earlier one.
    public static func unusedName(_ base: String) -> String {
        var candidate = base
        var number = 2
        while exists(candidate) {
            candidate = "\(base)-\(number)"
            number += 1
        }
        return candidate
    }

    /// True when something is at `path`. A symbolic-link loop counts: the
    /// name is there, so opening it reports the loop instead of the file
    /// being taken for missing.
    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0 || errno == ELOOP
    }

    /// Names of the entries in a directory (without "." and "..").
    public static func list(_ path: String) throws(FileError) -> [String] {
        guard let stream = opendir(path) else { throw FileError(path: path, reason: lastError()) }
        defer { closedir(stream) }
        var names = [String]()
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public static func remove(_ path: String) throws(FileError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw FileError(path: path, reason: lastError()) }
    }

    /// Checks that files can be created in `directory` by writing, syncing and
    /// removing a probe file: an unwritable or full output directory is found
    /// before training starts, not at the first checkpoint.
    public static func probeWritable(_ directory: String) throws(FileError) {
        let probe = "\(directory)/.vae-dist-probe.\(getpid())"
        try writeAtomically(Array("probe\n".utf8), to: probe)
        try remove(probe)
    }

    public static func parentDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(FileError) {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else { throw FileError(path: path, reason: result < 0 ? lastError() : "no space written") }
            written += result
        }
    }

    static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
