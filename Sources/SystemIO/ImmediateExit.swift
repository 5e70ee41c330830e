#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ends the process at once from any thread, saying why in one line.
///
/// For a thread that must end the job while the main thread is blocked in a
/// library that may not be re-entered (MPI at `MPI_THREAD_SINGLE`): no
/// `atexit` handlers, destructors or library shutdown run (`_exit`), so
/// nothing else can block. The launcher (mpirun, srun
/// `--kill-on-bad-exit`) sees the non-zero status and ends the other ranks.
public enum ImmediateExit {
    /// Writes `line` and a newline to standard error in one `write`, so
    /// lines of several processes sharing a log do not interleave, then
    /// ends the process with `status`.
    public static func end(saying line: String, status: Int32) -> Never {
        let bytes = Array("\(line)\n".utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                write(STDERR_FILENO, buffer.baseAddress.map { $0 + written }, buffer.count - written)
            }
            if count > 0 {
                written += count
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                break  // standard error is gone: end anyway
            }
        }
        _exit(status)
    }
}
