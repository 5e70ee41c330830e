/// Bernoulli draws addressed by (seed, stream, position, index), like
/// ``CounterGaussian``: `--binarize` replaces each grey value x by a draw
/// of Bernoulli(x) that depends only on the sample's position in the epoch
/// and the feature, never on the rank or the number of ranks.
public struct CounterBernoulli: Sendable {
    private let key: UInt64

    public init(seed: UInt64, stream: UInt64) {
        key = SplitMix64.mix(seed ^ SplitMix64.mix(stream &+ 0x3C6E_F372_FE94_F82B))
    }

    /// Replaces each value p of `values` (a probability) by 1 with
    /// probability p, else 0, using the draws of `position`.
    public func binarize(_ values: inout MutableSpan<Float>, position: Int) {
        let base = SplitMix64.mix(key ^ SplitMix64.mix(UInt64(bitPattern: Int64(position))))
        for index in 0..<values.count {
            // 24 random bits: a uniform u in [0, 1) on Float's grid, so u < p is exact.
            let u = Float(SplitMix64.mix(base &+ UInt64(index)) >> 40) * 0x1p-24
            values[index] = u < values[index] ? 1 : 0
        }
    }
}
