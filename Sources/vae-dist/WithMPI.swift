import Foundation
import Logging
import MPI
import SystemIO
import Training
import TrainingCore

/// Runs a subcommand's work inside an MPI session and turns its outcome into
/// the process's exit, so that no failure leaves another rank waiting:
///
/// - success: every rank finalizes MPI and exits 0;
/// - an error every rank reached together (any error from `setup`, whose
///   checks are agreed across ranks, or an agreed decision during `work`):
///   the rank that found it reports it, every rank finalizes and exits 1;
/// - any other error during `work` happened on one rank while its peers may
///   be blocked in a collective: it is reported and `MPI_Abort` ends the
///   whole job at once.
func withMPI<State>(
    verbose: Bool,
    setup: (Communicator, Logger) throws(TrainingError) -> State,
    work: (State) throws(TrainingError) -> Void
) {
    let environment: MPIEnvironment
    do {
        environment = try MPIEnvironment.start()
    } catch {
        Failure.report("MPI could not start: \(error)", rank: LaunchEnvironment.rank, size: 1)
        exit(1)
    }
    let world = environment.world
    var logger = Logger(label: "vae-dist") { _ in
        RankLogHandler(rank: world.rank, size: world.size, level: verbose ? .debug : .info)
    }
    logger.logLevel = verbose ? .debug : .info
    // After MPI_Init, so these handlers replace any OpenMPI installed.
    StopSignals.install()

    func fail(_ error: TrainingError, agreed: Bool) -> Never {
        switch error {
        case .failedOnOtherRank:
            break  // the failing rank reports; this one only leaves cleanly
        case let .stopped(step, checkpoint):
            if world.isRoot {
                logger.notice("\(error.description)")
                StopMarker.record(step: step, checkpoint: checkpoint)
            }
        default:
            // A collective outcome is the same everywhere: rank 0 says it once.
            if !error.isAgreed || world.isRoot { Failure.report(error.description, rank: world.rank, size: world.size) }
        }
        if agreed || world.size == 1 {
            try? environment.finalize()
            exit(error.exitStatus)
        }
        world.abort(exitCode: error.exitStatus)
    }

    let state: State
    do {
        state = try setup(world, logger)
    } catch {
        fail(error, agreed: true)
    }
    do {
        try work(state)
    } catch {
        fail(error, agreed: error.isAgreed)
    }
    do {
        try environment.finalize()
    } catch {
        Failure.report("\(error)", rank: world.rank, size: world.size)
        exit(1)
    }
}
