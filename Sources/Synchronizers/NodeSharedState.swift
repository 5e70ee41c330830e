import Dataset
import MPI
import Tensors

/// One copy per node of what every rank would otherwise hold alone: the
/// parameters and Adam's two moments, in one shared window allocated by the
/// node's local rank 0 (the other ranks allocate nothing and view it).
///
/// Each local rank owns a contiguous slice (1/n of the parameters, by
/// ``evenShard(count:parts:index:)``): it alone writes that slice of all
/// three vectors. Every rank reads all of the parameters.
final class NodeSharedState {
    let window: SharedWindow
    let parameters: Vector
    let firstMoment: Vector
    let secondMoment: Vector
    /// This local rank's slice.
    let range: Range<Int>

    init(parameterCount count: Int, node: Communicator) throws(MPIError) {
        let stride = paddedToCacheLines(count)
        window = try SharedWindow(count: node.isRoot ? 3 * stride : 0, communicator: node)
        let whole = window.segments[0]
        parameters = whole.slice(from: 0, count: count)
        firstMoment = whole.slice(from: stride, count: count)
        secondMoment = whole.slice(from: 2 * stride, count: count)
        range = evenShard(count: count, parts: node.size, index: node.rank)
    }

    /// Gives every rank of the job the world root's values of `vectors`
    /// (written by it, on its node's copy, before this call): each local
    /// rank broadcasts its slice from world root's node to the same slice on
    /// the other nodes. Collective over the world, through `topology`.
    func shareFromWorldRoot(_ vectors: [Vector], topology: NodeTopology) throws(MPIError) {
        // The root's writes become visible to the ranks that send its slices.
        try window.synchronize()
        if topology.nodeCount > 1 {
            for vector in vectors {
                try topology.across.broadcast(vector.slice(from: range.lowerBound, count: range.count), root: 0)
            }
        }
        // Each received slice becomes visible to the rest of its node.
        try window.synchronize()
    }
}

/// `count` rounded up to whole 64-byte cache lines of floats, so that
/// vectors laid out one after another start on a line of their own.
func paddedToCacheLines(_ count: Int) -> Int {
    (count + 15) / 16 * 16
}
