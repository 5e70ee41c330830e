import MPI
import Tensors
import VAE

/// Adam for ``SharedMemorySynchronizer``: the moments are one node-shared
/// copy (``NodeSharedState``), and each local rank's Adam updates its own
/// slice of them and of the parameters. Every node holds the same values,
/// so a checkpoint needs no gather: world rank 0 reads its node's copy.
final class NodeSharedAdam: DistributedOptimizer {
    let adam: Adam
    private let state: NodeSharedState
    private let topology: NodeTopology
    private let isWorldRoot: Bool

    init(learningRate: Float, state: NodeSharedState, topology: NodeTopology, isWorldRoot: Bool) {
        adam = Adam(configuration: Adam.Configuration(learningRate: Double(learningRate)),
                    firstMoment: state.firstMoment.slice(from: state.range.lowerBound, count: state.range.count),
                    secondMoment: state.secondMoment.slice(from: state.range.lowerBound, count: state.range.count))
        self.state = state
        self.topology = topology
        self.isWorldRoot = isWorldRoot
    }

    /// Updates this rank's slice of the node's parameters from `gradients`,
    /// the summed gradients of that slice. The caller synchronizes the node
    /// before anyone reads the new parameters.
    func update(gradients: Vector, learningRate: Double) {
        adam.configuration.learningRate = learningRate
        adam.update(state.parameters.slice(from: state.range.lowerBound, count: state.range.count), gradients: gradients)
    }

    /// The node's whole moments, read in place by world rank 0. Every rank
    /// reaches a checkpoint after the step's final node synchronization, and
    /// no rank writes the moments again before the next step's first one,
    /// which waits for rank 0: the copy is complete and stays still while
    /// rank 0 writes the file.
    func gatherMoments() throws(MPIError) -> (first: Vector, second: Vector)? {
        isWorldRoot ? (state.firstMoment, state.secondMoment) : nil
    }

    /// World rank 0 writes the moments into its node's copy; every node's
    /// ranks then receive their slices of them.
    func distributeMoments(first: Vector?, second: Vector?) throws(MPIError) {
        if isWorldRoot, let first, let second {
            state.firstMoment.copy(from: first)
            state.secondMoment.copy(from: second)
        }
        try state.shareFromWorldRoot([state.firstMoment, state.secondMoment], topology: topology)
    }
}
