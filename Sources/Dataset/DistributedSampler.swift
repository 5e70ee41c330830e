import Randomness

/// Which samples each rank trains on, step by step.
///
/// Every epoch has one global order, a permutation drawn from (seed, epoch)
/// alone. Step `s` takes positions `s·B ..< (s+1)·B` of that order (B, the
/// global batch) and rank `r` of `N` takes the `r`-th contiguous `B/N` of
/// them. So every rank agrees on the order without communicating, the
/// shards of a step are disjoint and cover it, and changing N changes only
/// who computes what, never what is computed. The last partial batch of an
/// epoch is dropped, so every step has exactly B samples.
public struct DistributedSampler: Sendable {
    public let sampleCount: Int
    public let globalBatchSize: Int
    public let rank: Int
    public let worldSize: Int
    public let seed: UInt64

    public init(sampleCount: Int, globalBatchSize: Int, rank: Int, worldSize: Int, seed: UInt64) {
        precondition(worldSize > 0 && rank >= 0 && rank < worldSize, "rank \(rank) outside a world of \(worldSize)")
        precondition(globalBatchSize > 0 && globalBatchSize % worldSize == 0,
                     "global batch \(globalBatchSize) must be a positive multiple of \(worldSize) ranks")
        self.sampleCount = sampleCount
        self.globalBatchSize = globalBatchSize
        self.rank = rank
        self.worldSize = worldSize
        self.seed = seed
    }

    public var localBatchSize: Int { globalBatchSize / worldSize }
    public var stepsPerEpoch: Int { sampleCount / globalBatchSize }

    /// The epoch's global order of sample indices (Fisher–Yates), 4 bytes a
    /// sample: the only per-sample memory a rank holds for a mapped dataset.
    public func order(epoch: Int) -> [UInt32] {
        precondition(sampleCount <= Int(UInt32.max), "\(sampleCount) samples exceed the order's 32-bit indices")
        var generator = SplitMix64(seed: seed, stream: 0x5A4D_504C_0000_0000 | UInt64(epoch))
        var order = (0..<UInt32(sampleCount)).map { $0 }
        if sampleCount > 1 {
            for index in stride(from: sampleCount - 1, to: 0, by: -1) {
                let other = Int(generator.next() % UInt64(index + 1))
                order.swapAt(index, other)
            }
        }
        return order
    }

    /// Positions in the epoch's order that this rank processes at `step`.
    public func positions(step: Int) -> Range<Int> {
        precondition(step >= 0 && step < stepsPerEpoch, "step \(step) outside 0..<\(stepsPerEpoch)")
        let start = step * globalBatchSize + rank * localBatchSize
        return start..<(start + localBatchSize)
    }
}

/// An even split of `count` items over `parts`: part `index` gets a
/// contiguous range, the first `count % parts` parts one item more. Used for
/// evaluation, where every test sample is counted exactly once.
public func evenShard(count: Int, parts: Int, index: Int) -> Range<Int> {
    precondition(parts > 0 && index >= 0 && index < parts, "shard \(index) of \(parts)")
    let base = count / parts
    let extra = count % parts
    let start = index * base + min(index, extra)
    return start..<(start + base + (index < extra ? 1 : 0))
}
