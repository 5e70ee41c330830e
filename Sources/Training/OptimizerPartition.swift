import Dataset

/// How gradients are synchronized, and which parameters each rank's Adam
/// updates.
public enum GradientSync: String, CaseIterable, Sendable {
    /// Reduce-scatter the gradients, let each rank update its 1/N of the
    /// parameters (with 1/N of Adam's moments), then allgather the
    /// parameters: the two halves of an allreduce with the optimizer in
    /// between (ZeRO stage 1). Same traffic as an allreduce; the optimizer's
    /// time and memory are divided by N.
    case sharded
    /// One allreduce of the gradients; every rank updates every parameter.
    case allreduce
}

/// The parameter range each rank's optimizer owns.
struct OptimizerPartition {
    let sync: GradientSync
    /// Parameters per rank, in rank order (contiguous parts of the buffer).
    let counts: [Int]
    /// This rank's part.
    let range: Range<Int>

    init(sync: GradientSync, parameterCount: Int, rank: Int, worldSize: Int) {
        self.sync = worldSize == 1 ? .allreduce : sync
        switch self.sync {
        case .sharded:
            counts = (0..<worldSize).map { evenShard(count: parameterCount, parts: worldSize, index: $0).count }
            range = evenShard(count: parameterCount, parts: worldSize, index: rank)
        case .allreduce:
            counts = [parameterCount] + [Int](repeating: 0, count: worldSize - 1)
            range = 0..<parameterCount
        }
    }

    var isSharded: Bool { sync == .sharded }
}
