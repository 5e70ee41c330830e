import Logging
import SystemIO
import TrainingCore

/// The exclusive lock a training run holds on its output directory,
/// `OUT/.vae-dist.lock`, from before its first write until it exits: two runs
/// writing checkpoints, metrics and `latest.json` into one directory at once
/// would interleave their files and prune each other's.
///
/// It is a `flock` lock, released by the kernel when the process ends however
/// it ends. On NFSv4, Linux emulates `flock` with a byte-range lock that the
/// server sees, so it excludes runs on other clients too; a client that dies
/// keeps its lock until the server's lease expires (typically 90 s). A
/// requeued Slurm job (same `SLURM_JOB_ID`) that finds its own predecessor
/// still holding the lock therefore waits, up to ``defaultWait`` seconds
/// (`VAE_DIST_LOCK_WAIT_SECONDS`), instead of being refused. On Lustre,
/// `flock` works across nodes only with the `flock` mount option
/// (`localflock` excludes runs on the same node only; without either, the
/// lock is refused and the run goes on with a warning).
package final class OutputLock {
    static let fileName = ".vae-dist.lock"
    static let waitVariable = "VAE_DIST_LOCK_WAIT_SECONDS"
    /// Longer than NFS's usual 90 s lease, so a dead predecessor's lock has expired.
    static let defaultWait = 120.0

    /// Nil on a file system without locks (warned about when acquired).
    private let lock: FileLock?

    private init(_ lock: FileLock?) {
        self.lock = lock
    }

    /// Locks `directory` (which must exist) and records this process as the
    /// holder, or refuses in one line naming the process that holds it.
    package static func acquire(_ directory: String, logger: Logger) throws(TrainingError) -> OutputLock {
        let path = "\(directory)/\(fileName)"
        let me = LockHolder.current()
        let wait = try waitSeconds()
        var announced = false
        let outcome: FileLock.Outcome
        do {
            outcome = try FileLock.exclusive(path, waitingUpTo: wait) { bytes in
                // Only a requeued job's own predecessor is waited for: any other holder is a live run.
                guard let job = me.slurmJobID, let holder = LockHolder(parsing: bytes), holder.slurmJobID == job else {
                    return false
                }
                if !announced {
                    logger.notice("--out \(directory) is locked by \(holder), an earlier run of this Slurm job; waiting up to \(format(wait, 0)) s for its lock to be released")
                    announced = true
                }
                return true
            }
        } catch {
            throw .configuration("--out \(directory): cannot write there: \(error.reason)")
        }
        switch outcome {
        case let .acquired(lock):
            do {
                try lock.replaceContents(me.encoded)
            } catch {
                throw .configuration("--out \(directory): cannot write there: \(error.reason)")
            }
            return OutputLock(lock)
        case let .busy(bytes):
            let holder = LockHolder(parsing: bytes).map { "by \($0)" } ?? "by a process that has not yet written its name into \(path)"
            throw .configuration("--out \(directory) is in use \(holder); two runs cannot share an output directory: wait for that one to end, or choose another --out")
        case let .unsupported(reason):
            logger.warning("--out \(directory): the file system does not support locks (\(reason)); nothing will stop a second run from writing here at the same time")
            return OutputLock(nil)
        }
    }

    private static func waitSeconds() throws(TrainingError) -> Double {
        guard let text = ProcessIdentity.environment(waitVariable) else { return defaultWait }
        guard let seconds = Double(text), seconds >= 0, seconds.isFinite else {
            throw .configuration("\(waitVariable) must be a number of seconds >= 0 (got \(text))")
        }
        return seconds
    }
}
