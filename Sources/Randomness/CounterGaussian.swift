import RealModule

/// Standard normal numbers addressed by (seed, stream, position, index)
/// instead of drawn in sequence.
///
/// The reparameterization noise of a sample must not depend on which rank
/// processes it or how many ranks there are; addressing each number by the
/// sample's position in the epoch makes N ranks draw exactly what one process
/// would. Pairs of numbers come from one 64-bit hash through Box–Muller.
public struct CounterGaussian: Sendable {
    private let key: UInt64

    public init(seed: UInt64, stream: UInt64) {
        key = SplitMix64.mix(seed ^ SplitMix64.mix(stream &+ 0xBB67_AE85_84CA_A73B))
    }

    /// Writes `values.count` standard normals for `position` into `values`.
    public func fill(_ values: inout MutableSpan<Float>, position: Int) {
        let base = SplitMix64.mix(key ^ SplitMix64.mix(UInt64(bitPattern: Int64(position))))
        var index = 0
        var pair: UInt64 = 0
        while index < values.count {
            let bits = SplitMix64.mix(base &+ pair)
            // u1 in (0, 1] so log never sees zero; u2 in [0, 1).
            let u1 = (Double(bits >> 32) + 1) * 0x1p-32
            let u2 = Double(bits & 0xFFFF_FFFF) * 0x1p-32
            let radius = (-2 * Double.log(u1)).squareRoot()
            let angle = 2 * Double.pi * u2
            values[index] = Float(radius * Double.cos(angle))
            if index + 1 < values.count { values[index + 1] = Float(radius * Double.sin(angle)) }
            index += 2
            pair &+= 1
        }
    }
}
