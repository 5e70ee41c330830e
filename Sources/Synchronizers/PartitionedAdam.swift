import Dataset
import MPI
import Tensors
import VAE

/// Adam over the parameters this rank updates, and how the ranks' parts make
/// up the whole.
///
/// Sharded strategies (ZeRO-1) give each rank a contiguous 1/N of the
/// parameters and of Adam's moments; the others give every rank all of
/// them. Either way the update ends with identical parameters everywhere,
/// and a checkpoint needs the whole moments on rank 0: ``gatherMoments()``
/// and ``distributeMoments(first:second:)`` hide which case this is.
final class PartitionedAdam {
    let adam: Adam
    /// Parameters per rank, in rank order (a rank's part is contiguous).
    let counts: [Int]
    /// This rank's part of the flat parameter buffer.
    let range: Range<Int>
    let isSharded: Bool
    private let communicator: Communicator

    init(learningRate: Float, parameterCount: Int, sharded: Bool, communicator: Communicator) {
        let worldSize = communicator.size
        isSharded = sharded && worldSize > 1
        if isSharded {
            counts = (0..<worldSize).map { evenShard(count: parameterCount, parts: worldSize, index: $0).count }
            range = evenShard(count: parameterCount, parts: worldSize, index: communicator.rank)
        } else {
            counts = [parameterCount] + [Int](repeating: 0, count: worldSize - 1)
            range = 0..<parameterCount
        }
        adam = Adam(configuration: Adam.Configuration(learningRate: Double(learningRate)), parameterCount: range.count)
        self.communicator = communicator
    }

    /// Updates this rank's part of `parameters` from `gradients` (the summed
    /// gradients of that part) at `learningRate` (the schedule's), then, when sharded, gives every rank every
    /// part; the allgather is timed on `clock`.
    func update(_ parameters: Vector, gradients: Vector, learningRate: Double, clock: CollectiveClock) throws(MPIError) {
        adam.configuration.learningRate = learningRate
        adam.update(parameters.slice(from: range.lowerBound, count: range.count), gradients: gradients)
        guard isSharded else { return }
        try clock.measure { () throws(MPIError) in try communicator.allgather(inPlace: parameters, counts: counts) }
    }

    /// Adam's whole moments on rank 0 (gathered from every rank's part when
    /// sharded), for a checkpoint; nil on other ranks.
    func gatherMoments() throws(MPIError) -> (first: Vector, second: Vector)? {
        let root = communicator.isRoot
        guard isSharded else { return root ? (adam.firstMoment, adam.secondMoment) : nil }
        let total = counts.reduce(0, +)
        let whole = root ? (first: FloatBuffer(count: total).all, second: FloatBuffer(count: total).all) : nil
        try communicator.gather(adam.firstMoment, into: whole?.first, counts: counts)
        try communicator.gather(adam.secondMoment, into: whole?.second, counts: counts)
        return whole
    }

    /// Restores rank 0's whole moments (from a checkpoint) to every rank:
    /// its part when sharded, all of them otherwise. Other ranks pass nil.
    func distributeMoments(first: Vector?, second: Vector?) throws(MPIError) {
        if isSharded {
            try communicator.scatter(first, into: adam.firstMoment, counts: counts)
            try communicator.scatter(second, into: adam.secondMoment, counts: counts)
            return
        }
        if let first, let second {
            adam.firstMoment.copy(from: first)
            adam.secondMoment.copy(from: second)
        }
        try communicator.broadcast(adam.firstMoment)
        try communicator.broadcast(adam.secondMoment)
    }
}
