import MPI

/// How the job's ranks sit on its nodes, for node-local shared memory: the
/// ranks of this rank's node, and the ranks that hold this rank's local
/// position on every node.
package struct NodeTopology {
    /// The ranks sharing memory with this one, in world order.
    package let node: Communicator
    /// One rank per node, all with this rank's local rank, ranked by their
    /// node's lowest world rank: rank 0 here is on world rank 0's node.
    let across: Communicator

    package var nodeCount: Int { across.size }

    /// What the job looks like: every node with the same number of ranks
    /// (the two-level sum needs a partner for each local rank on every
    /// node), or the ranks per node when they differ. Collective over `world`;
    /// every rank gets the same answer.
    package enum Discovery {
        case balanced(NodeTopology)
        case unbalanced(ranksPerNode: [Int])
    }

    package static func discover(world: Communicator) throws(MPIError) -> Discovery {
        let node = try world.splitByNode()
        // Each node's lowest world rank names the node (its local rank 0).
        var leader = [Int32(world.rank)]
        try node.broadcast(&leader)
        let leaders = try world.allgather([leader[0]])
        var ranksPerNode = [Int32: Int]()
        for name in leaders { ranksPerNode[name, default: 0] += 1 }
        let counts = ranksPerNode.keys.sorted().compactMap { ranksPerNode[$0] }
        guard Set(counts).count == 1 else { return .unbalanced(ranksPerNode: counts) }
        let across = try world.split(color: node.rank, key: Int(leader[0]))
        return .balanced(NodeTopology(node: node, across: across))
    }
}
