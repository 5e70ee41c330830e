#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A new file that is only ever appended to, closed on deinit.
///
/// It is created exclusively (`O_EXCL`): a log that belongs to one run must
/// never continue, or overwrite, a file an earlier run left behind. A failed
/// append can be undone with ``truncate(to:)`` so that a reader never meets
/// the torn tail of a half-written record.
public final class AppendOnlyFile {
    public let path: String
    private var descriptor: Int32
    /// Bytes appended so far (the file's length, as nothing else writes it).
    public private(set) var length = 0

    /// Creates `path`, failing with `File exists` when it is already there.
    public static func createNew(_ path: String) throws(FileError) -> AppendOnlyFile {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileError(path: path, reason: Files.lastError()) }
        return AppendOnlyFile(path: path, descriptor: descriptor)
    }

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { if descriptor >= 0 { Glibc.close(descriptor) } }

    /// Appends all of `bytes`. On failure some of them may have reached the
    /// file; ``length`` still counts only the appends that completed.
    public func append(_ bytes: [UInt8]) throws(FileError) {
        try checkOpen()
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress.map { $0 + written }, buffer.count - written)
            }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else {
                throw FileError(path: path, reason: result < 0 ? Files.lastError() : "no space written at byte \(length + written)")
            }
            written += result
        }
        length += bytes.count
    }

    /// Cuts the file back to `byteCount` bytes (at most ``length``).
    public func truncate(to byteCount: Int) throws(FileError) {
        precondition((0...length).contains(byteCount), "truncating beyond the appended bytes")
        try checkOpen()
        guard ftruncate(descriptor, off_t(byteCount)) == 0 else {
            throw FileError(path: path, reason: "cannot cut back to \(byteCount) bytes: \(Files.lastError())")
        }
        length = byteCount
    }

    /// Flushes the appended bytes to disk.
    public func synchronize() throws(FileError) {
        try checkOpen()
        guard fsync(descriptor) == 0 else { throw FileError(path: path, reason: Files.lastError()) }
    }

    /// Closes the file; later calls fail. Closing twice is harmless.
    public func close() throws(FileError) {
        guard descriptor >= 0 else { return }
        let result = Glibc.close(descriptor)
        descriptor = -1
        guard result == 0 else { throw FileError(path: path, reason: Files.lastError()) }
    }

    public var isClosed: Bool { descriptor < 0 }

    private func checkOpen() throws(FileError) {
        guard descriptor >= 0 else { throw FileError(path: path, reason: "already closed") }
    }
}
