import Dataset
import MPI
import Tensors
import VAE

/// `--gradient-sync shared`: the ranks of a node sum their gradients in
/// shared memory instead of sending them, and keep one copy of the
/// parameters and of Adam's moments per node instead of one per rank.
///
/// Each rank's backward pass writes its gradients straight into its own
/// segment of a node-shared window, followed by two sets of report slots
/// (used on alternate steps). One step, on local rank l of n:
///
/// 1. ``agree(_:)``: write the report into this step's slot set; node
///    synchronization (A); add every rank's slots in local-rank order, and
///    across nodes in one tiny allreduce on ``NodeTopology/across``. All
///    ranks get the same flags, so all skip or all stop together.
/// 2. ``applyUpdate()``: add slice l of every rank's gradients, read in
///    place, into slice l of this rank's own segment; allreduce that slice
///    with slice l of every other node (the two-level allreduce); Adam on
///    slice l of the node's parameters and moments; node synchronization (B).
///
/// Why these two synchronizations suffice: every segment's gradients and
/// slots are written before A and read (by others) only after it; slice l
/// of any segment is written after A by rank l alone, while others read
/// other slices; the parameters are written between A and B (slice l by
/// rank l) and read by the next forward pass after B, when every read of
/// the gradients is over too, so the next backward may overwrite them. A
/// skipped step has no B: nobody reads gradients then, and the report slots
/// alternate, so a rank that runs ahead writes the other set, never the one
/// a slower rank may still be adding up (it cannot get two sets ahead
/// without passing the next A, which waits for the slower rank).
package final class SharedMemorySynchronizer: GradientSynchronizer {
    package let name = "shared"
    package let clock = CollectiveClock()
    private let nodeAdam: NodeSharedAdam
    private let topology: NodeTopology
    private let state: NodeSharedState
    private let window: SharedWindow
    private let producer: BatchGradients
    private let gradients: Vector
    /// Slice l of every local rank's gradients, in local-rank order; the
    /// node's sum of the slice is stored into this rank's own.
    private let gradientSlices: [Vector]
    /// Slot sets 0 and 1 of every local rank, in local-rank order.
    private let slotSets: [[Vector]]
    private let summedSlots = FloatBuffer(count: StepReport.slotCount).all
    private var slotSet = 0

    package init(architecture: Architecture, sampler: DistributedSampler, accumulate: Int, learningRate: Float,
         topology: NodeTopology, isWorldRoot: Bool) throws(MPIError) {
        let count = ParameterLayout(architecture).count
        let stride = paddedToCacheLines(count)
        let node = topology.node
        window = try SharedWindow(count: stride + 2 * StepReport.slotCount, communicator: node)
        state = try NodeSharedState(parameterCount: count, node: node)
        gradients = window.ownSegment.slice(from: 0, count: count)
        producer = BatchGradients(architecture: architecture, parameters: state.parameters, gradients: gradients,
                                  sampler: sampler, accumulate: accumulate)
        nodeAdam = NodeSharedAdam(learningRate: learningRate, state: state, topology: topology, isWorldRoot: isWorldRoot)
        let range = state.range
        let segments = window.segments
        gradientSlices = segments.map { $0.slice(from: range.lowerBound, count: range.count) }
        slotSets = (0..<2).map { set in
            segments.map { $0.slice(from: stride + set * StepReport.slotCount, count: StepReport.slotCount) }
        }
        self.topology = topology
    }

    package var optimizer: any DistributedOptimizer { nodeAdam }

    /// Every local rank's model views the node's one copy.
    package var parameters: Vector { state.parameters }

    package func computeGradients(stepInEpoch: Int, objective: Objective, load: BatchLoader) -> StepReport {
        let terms = producer.compute(stepInEpoch: stepInEpoch, objective: objective, load: load)
        return StepReport(terms: terms, nonFinite: !(terms.isFinite && gradients.isFinite))
    }

    package func agree(_ report: StepReport) throws(MPIError) -> StepReport {
        let slots = slotSets[slotSet]
        report.write(to: slots[topology.node.rank])
        try clock.measure { () throws(MPIError) in
            try SharedWindow.synchronize([window, state.window])
            summedSlots.storeSum(of: slots)
            if topology.nodeCount > 1 { try topology.across.allreduce(summedSlots) }
        }
        slotSet = 1 - slotSet
        return StepReport(slots: summedSlots)
    }

    package func applyUpdate(learningRate: Double, clipNorm: Float?, measuringNorm: Bool) throws(MPIError) -> Double? {
        let mine = gradientSlices[topology.node.rank]
        try clock.measure { () throws(MPIError) in
            mine.storeSum(of: gradientSlices)
            if topology.nodeCount > 1 { try topology.across.allreduce(mine) }
        }
        // Every node now holds the whole sum, one slice per local rank: the
        // node's slices give the global norm (the same on every node).
        var norm: Double?
        if clipNorm != nil || measuringNorm {
            norm = try clock.measure { () throws(MPIError) -> Double in
                try topology.node.allreduce(mine.sumOfSquares, .sum).squareRoot()
            }
        }
        if let norm, let factor = clippingFactor(norm: norm, limit: clipNorm) { mine.scale(by: factor) }
        nodeAdam.update(gradients: mine, learningRate: learningRate)
        try clock.measure { () throws(MPIError) in try SharedWindow.synchronize([window, state.window]) }
        return norm
    }

    /// Rank 0 initialized or restored its node's copy; every node gets it.
    package func shareInitialParameters(over world: Communicator) throws(MPIError) {
        try state.shareFromWorldRoot([state.parameters], topology: topology)
    }

    package func finish() throws(MPIError) {
        try window.close()
        try state.window.close()
    }
}
