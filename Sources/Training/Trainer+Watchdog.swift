import MPI
import TrainingCore
import Watchdog

extension Trainer {
    /// Starts the stall watchdog's thread (`--stall-timeout`). A rank that
    /// cannot start a thread trains unwatched, saying so, rather than failing
    /// alone while its peers go on.
    func startWatchdog() {
        do {
            try watchdog.start()
        } catch {
            logger.warning("--stall-timeout: \(error); this rank trains without the stall watchdog")
        }
        if watchdog.isActive && communicator.isRoot {
            logger.debug("stall watchdog: a wait at a synchronization point longer than max(\(configuration.stallTimeout) s, \(Int(StallWatchdog.slowStepFactor)) x the median step time) ends the job")
        }
    }

    /// Feeds one step's duration to the median that raises the watchdog's limit.
    func recordStepTime(_ seconds: Double) {
        if let median = stepTimes.record(seconds: seconds) {
            watchdog.adjust(medianStepSeconds: median)
        }
    }

    /// Runs the collective `body` as one wait the watchdog watches, at
    /// `point` during step `step`; an MPI failure becomes the run's error.
    func collective<Value>(at point: SyncPoint, step: Int,
                           _ body: () throws(MPIError) -> Value) throws(TrainingError) -> Value {
        do {
            return try watchdog.waiting(at: point, step: step, body)
        } catch {
            throw .mpi(error)
        }
    }
}
