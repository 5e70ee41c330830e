#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A detached POSIX thread running one closure: for work that must go on
/// while the main thread is blocked somewhere it cannot be woken from (an
/// MPI collective), such as a watchdog.
///
/// The closure must not call into libraries that allow only one thread
/// (MPI initialized at `MPI_THREAD_SINGLE`).
public enum BackgroundThread {
    /// Starts `body` on a new detached thread.
    public static func start(_ body: @escaping @Sendable () -> Void) throws(ThreadStartError) {
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let status = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            Unmanaged<Box>.fromOpaque(context).takeRetainedValue().body()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<Box>.fromOpaque(context).release()
            throw ThreadStartError(reason: String(cString: strerror(status)))
        }
        #if canImport(Glibc)
        pthread_detach(thread)
        #else
        if let thread { pthread_detach(thread) }
        #endif
    }

    /// Suspends the calling thread for `seconds` (resuming early only on a
    /// signal, which a periodic caller can ignore).
    public static func sleep(seconds: Double) {
        let whole = seconds.rounded(.down)
        var interval = timespec(tv_sec: Int(whole), tv_nsec: Int((seconds - whole) * 1e9))
        nanosleep(&interval, nil)
    }

    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}

/// The system refused a new thread (too many threads, no memory).
public struct ThreadStartError: Error, CustomStringConvertible, Sendable {
    public let reason: String

    public var description: String { "cannot start a thread: \(reason)" }
}
