import Dataset
import MPI
import SystemIO
#if canImport(Glibc)
import Glibc
import Checkpoints
#endif

/// Why training stopped early.
public enum TrainingError: Error, CustomStringConvertible, Sendable {
    case dataset(DatasetError)
    case checkpoint(CheckpointError)
    case file(FileError)
    case mpi(MPIError)
    case image(path: String, reason: String)
    /// Writing `OUT/tensorboard/` failed (the message names the file).
    case tensorBoard(String)
    /// A setting that cannot work with this data or this many ranks.
    case configuration(String)
    /// Ranks loaded different data.
    case ranksDisagree(String)
    case tooManyNonFiniteSteps(count: Int, step: Int, newestCheckpoint: String?)
    /// The run's last epoch skipped every one of its steps (fewer than
    /// `--max-bad-steps` in a row): it ran to its end, but trained nothing.
    case lastEpochSkippedEveryStep(epoch: Int, steps: Int, newestCheckpoint: String?)
    /// Another rank failed; that rank reports why.
    case failedOnOtherRank(Int)
    /// A stop signal reached some rank; every rank finished the step and the
    /// checkpoint at `step` was written.
    case stopped(step: Int, checkpoint: String?)
    /// A stop signal reached some rank of a command that has nothing to save
    /// (`eval`, `sample`, ...): every rank stops and nothing is written.
    case interrupted(signal: Int32)

    public var description: String {
        switch self {
        case let .dataset(error): error.description
        case let .checkpoint(error): error.description
        case let .file(error): error.description
        case let .mpi(error): "MPI: \(error.description)"
        case let .image(path, reason): "\(path): cannot write image: \(reason)"
        case let .tensorBoard(message): "TensorBoard event file: \(message)"
        case let .configuration(message): message
        case let .ranksDisagree(message): message
        case let .tooManyNonFiniteSteps(count, step, newestCheckpoint):
            "stopping at step \(step): \(count) consecutive steps had non-finite loss or gradients (--max-bad-steps); "
                + (newestCheckpoint.map { "the newest checkpoint, \($0), holds the last good state" }
                    ?? "no checkpoint was written before them (a smaller --lr may help)")
        case let .lastEpochSkippedEveryStep(epoch, steps, newestCheckpoint):
            "epoch \(epoch), the last of this run, skipped every one of its \(steps) steps (non-finite loss or gradients), so the model did not change in it; "
                + (newestCheckpoint.map { "\($0) holds the last good state; " } ?? "") + "a smaller --lr may help"
        case let .failedOnOtherRank(rank): "rank \(rank) failed"
        case let .stopped(step, checkpoint):
            "stopped by a signal after step \(step)" + (checkpoint.map { "; wrote \($0), continue with --resume auto" } ?? "")
        case let .interrupted(signal): "interrupted by \(Self.signalName(signal)); nothing was written"
        }
    }

    /// True when every rank reached this same error together, so one report
    /// (rank 0's) suffices and every rank can exit cleanly.
    public var isAgreed: Bool {
        switch self {
        case .failedOnOtherRank, .tooManyNonFiniteSteps, .lastEpochSkippedEveryStep, .stopped, .interrupted: true
        default: false
        }
    }

    /// The process exit status: 75 (EX_TEMPFAIL) for a graceful stop, whose
    /// work is saved and can be resumed; 128 + the signal for an interrupted
    /// command with nothing to save (130 for SIGINT, 143 for SIGTERM), as a
    /// shell reports a process the signal ended; 1 for every failure.
    public var exitStatus: Int32 {
        switch self {
        case .stopped: 75
        case let .interrupted(signal): 128 + signal
        default: 1
        }
    }

    static func signalName(_ number: Int32) -> String {
        switch number {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGUSR1: "SIGUSR1"
        default: "signal \(number)"
        }
    }
}
