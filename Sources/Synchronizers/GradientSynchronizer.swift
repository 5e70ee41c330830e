import MPI
import Tensors
import VAE

/// How gradients are synchronized, as the user picks it (`--gradient-sync`).
public enum GradientSync: String, CaseIterable, Codable, Sendable {
    /// Reduce-scatter the gradients, let each rank update its 1/N of the
    /// parameters (with 1/N of Adam's moments), then allgather the
    /// parameters: the two halves of an allreduce with the optimizer in
    /// between (ZeRO stage 1). Same traffic as an allreduce; the optimizer's
    /// time and memory are divided by N.
    case sharded
    /// One allreduce of the gradients; every rank updates every parameter.
    case allreduce
    /// Node-local shared memory: the ranks of a node sum their gradients in
    /// place in one shared window, each its 1/n slice, then each slice is
    /// allreduced with the same slice of the other nodes; each rank updates
    /// its slice of one node-shared copy of the parameters and Adam's
    /// moments (``SharedMemorySynchronizer``).
    case shared
}

extension GradientSync {
    /// Why this choice cannot be combined with `--deterministic`, or nil.
    /// Deterministic mode has a synchronization of its own (a sum over fixed
    /// micro-shards in one fixed order) and only borrows whether Adam is
    /// sharded; `shared` would be silently ignored, so it is refused.
    public var conflictWithDeterministic: String? {
        guard self == .shared else { return nil }
        return "--deterministic has its own gradient sum (over fixed micro-shards, in one fixed order) and cannot use --gradient-sync shared; use sharded or allreduce with it"
    }
}

/// Loads the rows at some positions of the epoch's order (and their noise)
/// into a batch: how a synchronizer asks for data without knowing where it
/// comes from.
package typealias BatchLoader = (_ batch: VariationalAutoencoder.Batch, _ positions: Range<Int>) -> Void

/// What a rank says about its part of a step and, after
/// ``GradientSynchronizer/agree(_:)``, what all ranks said together: the
/// summed loss terms, and whether any rank saw a non-finite value or a stop
/// signal.
package struct StepReport: Equatable {
    package var terms: LossTerms
    package var nonFinite: Bool
    package var stopRequested = false
}

/// A strategy that turns every rank's share of a step into one identical
/// update of every rank's parameters.
///
/// A strategy owns everything that differs between the ways of doing this:
/// how this rank's gradients are produced (one batch, or fixed micro-shards
/// as row groups), the buffers they live in, what travels with them (the
/// loss terms and flags of ``StepReport``), when they move (with the flags,
/// after them, or overlapped with the backward pass), how they are summed
/// (by MPI, or in an order the strategy fixes), and which part of the parameters this rank's
/// optimizer updates. The training step only calls the three methods below,
/// in order, on every rank.
package protocol GradientSynchronizer: AnyObject {
    /// Names the strategy in logs and `metrics.jsonl`.
    var name: String { get }
    /// The parameters every rank trains (identical on every rank after each
    /// update); models for evaluation and pictures view the same buffer.
    var parameters: Vector { get }
    /// Adam, over this rank's part of the parameters, as checkpoints need it.
    var optimizer: any DistributedOptimizer { get }
    /// Time spent in this strategy's collectives.
    var clock: CollectiveClock { get }
    /// Steps so far whose decoder gradients left during the backward pass
    /// (`--overlap`; 0 for the strategies that never overlap).
    var overlappedSteps: Int { get }

    /// Forward and backward over this rank's share of step `stepInEpoch`
    /// (all of its accumulated micro-batches), each batch filled by `load`.
    func computeGradients(stepInEpoch: Int, objective: Objective, load: BatchLoader) -> StepReport

    /// Sums `report` over all ranks (flags: set if set anywhere). Strategies
    /// whose gradients travel with the report sum them here too.
    func agree(_ report: StepReport) throws(MPIError) -> StepReport

    /// Completes the gradient sum where ``agree(_:)`` did not, clips it to
    /// `clipNorm` by its global L2 norm (as `torch.nn.utils.clip_grad_norm_`:
    /// scaled by max / (norm + 1e-6) when that is below 1), and applies the
    /// optimizer at `learningRate`. Returns the norm before clipping, the
    /// same on every rank, when clipping or `measuringNorm` asked for it
    /// (strategies that hold only part of the sum need a collective for it,
    /// so it is not taken on every step). Call only after an agreement with
    /// no non-finite value.
    func applyUpdate(learningRate: Double, clipNorm: Float?, measuringNorm: Bool) throws(MPIError) -> Double?

    /// Gives every rank rank 0's parameters (just initialized or restored
    /// there) before the first step.
    func shareInitialParameters(over world: Communicator) throws(MPIError)

    /// Releases what the strategy holds in MPI once every rank has finished
    /// training together; the strategy is not used afterwards.
    func finish() throws(MPIError)
}

extension GradientSynchronizer {
    /// Every rank has its own copy: a broadcast fills them all.
    package func shareInitialParameters(over world: Communicator) throws(MPIError) {
        try world.broadcast(parameters)
    }

    /// Nothing to release: the strategy's buffers are plain memory.
    package func finish() throws(MPIError) {}

    /// No overlap: the gradients leave after the whole backward pass.
    package var overlappedSteps: Int { 0 }
}

/// The factor `clip_grad_norm_` scales gradients of global norm `norm` by.
package func clippingFactor(norm: Double, limit: Float?) -> Float? {
    guard let limit else { return nil }
    let factor = Double(limit) / (norm + 1e-6)
    return factor < 1 ? Float(factor) : nil
}

extension StepReport {
    /// Floats a report occupies when it travels beside Float gradients:
    /// loss, reconstruction, KL, non-finite flag, stop flag.
    static let slotCount = 5

    func write(to slots: Vector) {
        slots[0] = Float(terms.loss)
        slots[1] = Float(terms.reconstruction)
        slots[2] = Float(terms.kl)
        slots[3] = nonFinite ? 1 : 0
        slots[4] = stopRequested ? 1 : 0
    }

    /// Reads a report (or a sum of reports) back from its slots.
    init(slots: Vector) {
        self.init(terms: LossTerms(loss: Double(slots[0]), reconstruction: Double(slots[1]), kl: Double(slots[2])),
                  nonFinite: slots[3] != 0, stopRequested: slots[4] != 0)
    }
}
