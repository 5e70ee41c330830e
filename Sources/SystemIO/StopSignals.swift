#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Requests to stop gracefully: SIGTERM (Slurm preemption, `scancel`,
/// timeouts), SIGINT (Ctrl-C) and SIGUSR1 (Slurm's `--signal` warning).
///
/// The handler only records the signal; the training loop polls
/// ``pending`` once per step and turns it into a decision every rank agrees
/// on. A second signal of the same kind gets the default action (the
/// process ends at once), so a stuck job can still be killed by hand.
public enum StopSignals {
    public static let handled: [Int32] = [SIGTERM, SIGINT, SIGUSR1]
    private static let received = Atomic<Int32>(0)

    /// Installs the handlers and unblocks the signals: a process started
    /// with them blocked (a mask inherited from a test runner's or a tool's
    /// thread) would otherwise leave every stop request pending and unseen.
    public static func install() {
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        for number in handled {
            signal(number) { number in
                StopSignals.received.store(number, ordering: .relaxed)
                signal(number, SIG_DFL)
            }
            sigaddset(&unblocked, number)
        }
        pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
    }

    /// The last stop signal received, or nil.
    public static var pending: Int32? {
        let number = received.load(ordering: .relaxed)
        return number == 0 ? nil : number
    }

    /// For tests: raise `number` in this process.
    public static func simulate(_ number: Int32) {
        raise(number)
    }
}
