#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file written at explicit offsets (`pwrite`), closed on deinit.
///
/// Several processes can each open the same preallocated file and fill
/// disjoint byte ranges of it without coordinating: positional writes do not
/// share a file offset, and the ranges never overlap.
public final class PositionalFile {
    public let path: String
    private let descriptor: Int32

    /// Creates (or empties) `path` and sets its length to `byteCount`; the
    /// bytes not yet written read as zeros.
    public static func create(_ path: String, byteCount: Int) throws(FileError) -> PositionalFile {
        precondition(byteCount >= 0, "negative file length")
        let file = try PositionalFile(path: path, flags: O_WRONLY | O_CREAT | O_TRUNC)
        guard ftruncate(file.descriptor, off_t(byteCount)) == 0 else {
            throw FileError(path: path, reason: "cannot set the length to \(byteCount) bytes: \(Files.lastError())")
        }
        return file
    }

    /// Opens an existing file for writing without changing its length.
    public static func openExisting(_ path: String) throws(FileError) -> PositionalFile {
        try PositionalFile(path: path, flags: O_WRONLY)
    }

    private init(path: String, flags: Int32) throws(FileError) {
        let descriptor = open(path, flags | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileError(path: path, reason: Files.lastError()) }
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Writes all of `bytes` starting at byte `offset`.
    public func write(_ bytes: [UInt8], at offset: Int) throws(FileError) {
        precondition(offset >= 0, "negative file offset")
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                pwrite(descriptor, buffer.baseAddress.map { $0 + written }, buffer.count - written, off_t(offset + written))
            }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else {
                throw FileError(path: path, reason: result < 0 ? Files.lastError() : "no space written at offset \(offset + written)")
            }
            written += result
        }
    }

    /// Flushes the written bytes to disk.
    public func synchronize() throws(FileError) {
        guard fsync(descriptor) == 0 else { throw FileError(path: path, reason: Files.lastError()) }
    }
}
