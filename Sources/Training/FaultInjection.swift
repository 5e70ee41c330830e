import SystemIO
import VAE

/// Faults the tests inject to prove how a job reacts, each on one rank at
/// one global step. The CLI reads them from `VAE_DIST_TEST_FAULT` (for
/// tests only; see README, "Failure behaviour"):
///
/// - `nan:RANK:STEP[:COUNT]`: the rank's input holds NaN for COUNT steps
///   (so its loss and gradients do, whatever the synchronization strategy);
/// - `signal:RANK:STEP:NUMBER`: the rank raises signal NUMBER (through the
///   real handler, as `kill` would);
/// - `crash:RANK:STEP`: the rank crashes (a trap, as from a bug);
/// - `rowwise-gemms-differ`: `--deterministic`'s start-up check is taken to
///   have found a BLAS whose row-wise GEMMs give rows other bits at other
///   row counts, so the fallback (those GEMMs per micro-shard) runs.
public enum FaultInjection: Equatable, Sendable {
    case nan(rank: Int, step: Int, count: Int)
    case signal(rank: Int, step: Int, number: Int32)
    case crash(rank: Int, step: Int)
    case rowwiseGEMMsDiffer

    /// Parses one fault; nil if malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: ":")
        let numbers = parts.dropFirst().compactMap { Int($0) }
        guard numbers.count == parts.count - 1, numbers.allSatisfy({ $0 >= 0 && $0 < Int(Int32.max) }) else { return nil }
        switch (parts.first, numbers.count) {
        case ("nan", 2): self = .nan(rank: numbers[0], step: numbers[1], count: 1)
        case ("nan", 3): self = .nan(rank: numbers[0], step: numbers[1], count: numbers[2])
        case ("signal", 3): self = .signal(rank: numbers[0], step: numbers[1], number: Int32(numbers[2]))
        case ("crash", 2): self = .crash(rank: numbers[0], step: numbers[1])
        case ("rowwise-gemms-differ", 0): self = .rowwiseGEMMsDiffer
        default: return nil
        }
    }
}

extension Trainer {
    /// Whether a `nan` fault poisons this rank's input at the current step.
    var injectsNaN: Bool {
        faults.contains { fault in
            if case let .nan(rank, step, count) = fault {
                return rank == communicator.rank && progress.step >= step && progress.step - step < count
            }
            return false
        }
    }

    /// Raises the signals and crashes due at the current step on this rank.
    func injectSignalsAndCrashes() {
        for fault in faults {
            switch fault {
            case let .signal(rank, step, number) where rank == communicator.rank && step == progress.step:
                StopSignals.simulate(number)
            case let .crash(rank, step) where rank == communicator.rank && step == progress.step:
                fatalError("injected crash on rank \(rank) at step \(step) (VAE_DIST_TEST_FAULT)")
            default:
                break
            }
        }
    }
}
