/// Steele, Lea & Flood's SplitMix64: a tiny, fast, seedable generator whose
/// output function is also a good 64-bit mixer for counter-based streams.
///
/// Everything random in vae-dist (initial weights, each epoch's data order,
/// each sample's noise) comes from here, keyed by the run's seed, so a run is
/// reproducible and independent of the number of ranks.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for one purpose of one run: distinct `stream`s give
    /// unrelated sequences from the same seed.
    public init(seed: UInt64, stream: UInt64) {
        state = SplitMix64.mix(seed ^ SplitMix64.mix(stream &+ 0x6A09_E667_F3BC_C908))
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.finalize(state)
    }

    /// SplitMix64's output function applied to `value + golden ratio`.
    public static func mix(_ value: UInt64) -> UInt64 {
        finalize(value &+ 0x9E37_79B9_7F4A_7C15)
    }

    private static func finalize(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension RandomNumberGenerator {
    /// A uniform float in [low, high), from the top 24 bits of one draw.
    public mutating func nextFloat(in range: Range<Float>) -> Float {
        let unit = Float(next() >> 40) * 0x1p-24
        return range.lowerBound + (range.upperBound - range.lowerBound) * unit
    }
}
