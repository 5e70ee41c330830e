#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock (`flock`) on a file, held until the last
/// reference to this object goes away or the process ends.
///
/// The kernel drops a `flock` lock when its descriptor is closed, also when
/// the process is killed, so a crash never leaves a stale lock behind (a lock
/// that is the *existence* of a file would). The descriptor is close-on-exec,
/// so programs this process starts do not inherit the lock and keep it alive.
public final class FileLock {
    /// What became of an attempt to lock.
    public enum Outcome {
        case acquired(FileLock)
        /// Another process holds the lock; `holder` is the lock file's
        /// contents as they were read (possibly empty: a holder that has just
        /// taken the lock may not have written them yet).
        case busy(holder: [UInt8])
        /// The file system refuses locks (`ENOLCK`, `ENOSYS`, `EOPNOTSUPP`):
        /// an NFS mount without a lock manager, Lustre without `-o flock`.
        case unsupported(reason: String)
    }

    public let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Tries to lock `path` (created if missing) without blocking; while the
    /// lock is busy and `shouldWait(holder)` says so, tries again every
    /// `interval` seconds until `timeout` seconds have passed.
    public static func exclusive(
        _ path: String, waitingUpTo timeout: Double = 0, interval: Double = 0.5,
        while shouldWait: ([UInt8]) -> Bool = { _ in false }
    ) throws(FileError) -> Outcome {
        let deadline = monotonicSeconds() + timeout
        while true {
            let outcome = try attempt(path)
            guard case let .busy(holder) = outcome, monotonicSeconds() < deadline, shouldWait(holder) else {
                return outcome
            }
            sleep(seconds: min(interval, max(0, deadline - monotonicSeconds())))
        }
    }

    /// Replaces the lock file's contents. In place, not by rename: the lock
    /// belongs to this inode, and a renamed-over file would be a new, unlocked one.
    public func replaceContents(_ bytes: [UInt8]) throws(FileError) {
        guard ftruncate(descriptor, 0) == 0 else { throw FileError(path: path, reason: Files.lastError()) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                pwrite(descriptor, buffer.baseAddress.map { $0 + written }, buffer.count - written, off_t(written))
            }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else { throw FileError(path: path, reason: result < 0 ? Files.lastError() : "no space written") }
            written += result
        }
    }

    private static func attempt(_ path: String) throws(FileError) -> Outcome {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileError(path: path, reason: Files.lastError()) }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            let reason = String(cString: strerror(code))
            close(descriptor)
            if code == EWOULDBLOCK { return .busy(holder: (try? Files.read(path)) ?? []) }
            if code == ENOLCK || code == ENOSYS || code == EOPNOTSUPP { return .unsupported(reason: reason) }
            throw FileError(path: path, reason: "cannot lock: \(reason)")
        }
        return .acquired(FileLock(path: path, descriptor: descriptor))
    }

    private static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    private static func sleep(seconds: Double) {
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
