import MPI
import SystemIO
import Synchronizers
import VAE
import TrainingCore
import Evaluation

/// What one rank's training buffers take, worked out before any of them is
/// allocated, so a model or batch too large for the machine is refused with
/// the figures instead of ending in an allocation failure, an overflow trap
/// or the kernel's OOM killer.
///
/// bytes = 4 × (parameters × copies + row width × rows), where
/// - copies counts every parameter-sized Float buffer a rank may hold: the
///   parameters, their gradients, Adam's two moments, the evaluation model's
///   gradients, and on rank 0 the gathered moments and the three tensors of an
///   encoded checkpoint (10), plus, with `--deterministic M` (G = M/N
///   micro-shards per rank), the strategy's own
///   (``DeterministicSynchronizer/extraParameterCopies(shardsPerRank:)``:
///   3G + 4); and G weight-tile terms of
///   ``GroupGradients/tileFloats`` plus a row's width each;
/// - row width is the activations and activation gradients of one sample
///   (4 × input + 4 × Σ hidden + 7 × latent + 1, as `Workspace` lays them out);
/// - rows are the rank's batch plus the evaluation model's 256.
///
/// Every product and sum is overflow-checked: nil means "more than `Int`".
public struct MemoryEstimate: Sendable, Equatable {
    public let parameters: Int
    /// Parameter-sized Float buffers counted (see above).
    public let copies: Int
    public let bytes: Int

    /// Float-sized copies of the parameters, before `--deterministic`.
    static let parameterCopies = 10

    public init?(architecture: Architecture, rowsPerRank: Int, deterministicShardsPerRank: Int) {
        guard let parameters = architecture.checkedParameterCount else { return nil }
        let groups = Checked(deterministicShardsPerRank)
        let strategyCopies = deterministicShardsPerRank > 0
            ? Checked(DeterministicSynchronizer.extraParameterCopies(shardsPerRank: deterministicShardsPerRank)) : Checked(0)
        let copies = Checked(Self.parameterCopies).plus(strategyCopies)
        var width = Checked(4).times(architecture.inputSize)
        width = width.plus(Checked(4).times(architecture.hidden.reduce(into: Checked(0)) { $0 = $0.plus($1) }))
        width = width.plus(Checked(7).times(architecture.latent)).plus(1)
        let rows = Checked(rowsPerRank).plus(Evaluator.batchCapacity)
        let tileTerms = groups.times(width.plus(GroupGradients.tileFloats))
        let floats = Checked(parameters).times(copies).plus(width.times(rows)).plus(tileTerms)
        guard let bytes = floats.times(4).value, let copyCount = copies.value else { return nil }
        self.parameters = parameters
        self.copies = copyCount
        self.bytes = bytes
    }

    /// For `--hidden`, `--latent` and the per-rank batch: nil when they fit in
    /// `available` bytes, else one line saying what they would need.
    /// `inputSize` nil means the data is not known yet: the estimate then
    /// uses an input of one pixel, a lower bound for any data.
    public static func refusal(hidden: [Int], latent: Int, rowsPerRank: Int, deterministicShardsPerRank: Int,
                               inputSize: Int?, available: Int?) -> String? {
        guard let available else { return nil }
        let architecture = Architecture(inputSize: inputSize ?? 1, hidden: hidden, latent: latent)
        let deterministic = deterministicShardsPerRank > 0 ? " and \(deterministicShardsPerRank) --deterministic micro-shards" : ""
        let flags = "--hidden \(hidden.map(String.init).joined(separator: ",")) --latent \(latent) at a batch of \(rowsPerRank)\(deterministic) per rank"
        let remedy = "use smaller --hidden, --latent or --batch-size" + (deterministicShardsPerRank > 0 ? ", or fewer --deterministic micro-shards" : "")
        let model = inputSize == nil ? "(for any input size)" : "(a \(architecture) model)"
        guard let estimate = MemoryEstimate(architecture: architecture, rowsPerRank: rowsPerRank,
                                            deterministicShardsPerRank: deterministicShardsPerRank) else {
            return "\(flags) \(model) is too large to count in memory (more than 2^63 bytes); \(remedy)"
        }
        guard estimate.bytes > available else { return nil }
        return "\(flags) \(model) needs \(inputSize == nil ? "at least " : "")\(PhysicalMemory.gibibytes(estimate.bytes)) per rank "
            + "(\(estimate.parameters) parameters in \(estimate.copies) copies, and activations), more than this machine's "
            + "\(PhysicalMemory.gibibytes(available)) of memory; \(remedy)"
    }

    /// Refuses, on every rank together, a run whose buffers would not fit in
    /// this machine's memory (each rank measures its own node).
    static func requireFits(_ architecture: Architecture, configuration: TrainingConfiguration,
                            communicator: Communicator) throws(TrainingError) {
        try communicator.agree { () throws(TrainingError) in
            let shards = configuration.deterministicShards / communicator.size
            if let refusal = refusal(hidden: architecture.hidden, latent: architecture.latent,
                                     rowsPerRank: configuration.globalBatchSize / communicator.size,
                                     deterministicShardsPerRank: shards, inputSize: architecture.inputSize,
                                     available: PhysicalMemory.bytes) {
                throw .configuration(refusal)
            }
        }
    }
}
