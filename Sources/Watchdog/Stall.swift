import SystemIO

/// One wait that outlasted the watchdog's limit, and how to say so.
package struct Stall: Equatable {
    var point: SyncPoint
    /// The step being taken (or just taken, for waits after the update).
    var step: Int
    var waitedSeconds: Double
    /// The limit in force: `--stall-timeout` or a multiple of the median step.
    var limitSeconds: Double
    /// `--stall-timeout`.
    var timeoutSeconds: Double
    var rank: Int
    var size: Int

    /// One line for standard error: which rank waited where, how long, and
    /// who is missing, as far as this rank can know. A blocking collective
    /// does not say which peers have arrived, so only in a job of two ranks
    /// can the missing one be named.
    var message: String {
        let limit = limitSeconds > timeoutSeconds
            ? "limit \(format(limitSeconds, 1)) s: \(format(StallWatchdog.slowStepFactor, 0)) x the median step time"
            : "--stall-timeout \(format(timeoutSeconds, 1)) s"
        let missing = size == 2
            ? "rank \(1 - rank) did not arrive"
            : "one or more of the other \(size - 1) ranks did not arrive (MPI does not say which)"
        return "rank \(rank): stalled \(format(waitedSeconds, 1)) s at step \(step) in \(point.name) (\(limit)); \(missing) (stopped, hung or far slower); ending the job"
    }
}
