extension Vector {
    /// Σ x², accumulated in Double in index order (eight interleaved partial
    /// sums, added pairwise at the end): a fixed order, so the same values
    /// give the same bits on every rank, and a global norm computed from a
    /// whole gradient is identical wherever it is computed.
    public var sumOfSquares: Double {
        let x = buffer.base + offset
        var lanes = SIMD8<Double>()
        var index = 0
        while index + 8 <= count {
            let values = SIMD8<Double>(x.lanes(at: index))
            lanes += values * values
            index += 8
        }
        var tail = 0.0
        while index < count {
            tail += Double(x[index]) * Double(x[index])
            index += 1
        }
        let pairs = lanes.lowHalf + lanes.highHalf
        let quads = pairs.lowHalf + pairs.highHalf
        return (quads[0] + quads[1]) + tail
    }
}
