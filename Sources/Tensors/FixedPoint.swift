/// Gradients as wide fixed-point integers: integer addition is associative,
/// so a sum of them is the same bits in any order, on any number of ranks.
///
/// A value g becomes round(g · 2^e) with one exponent e for a whole step,
/// agreed by all ranks from the largest |g| (``Vector/maximumMagnitude``) so
/// that every term and every sum stays below 2^51; the rounding keeps ~50
/// bits below the largest gradient, far more than a Float's 24.
public final class Int64Buffer: @unchecked Sendable {
    public let count: Int
    package let base: UnsafeMutablePointer<Int64>

    public init(count: Int) {
        self.count = count
        base = .allocate(capacity: max(count, 1))
        base.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { base.deallocate() }

    public subscript(index: Int) -> Int64 {
        get {
            precondition(index >= 0 && index < count, "Int64Buffer index out of range")
            return base[index]
        }
        set {
            precondition(index >= 0 && index < count, "Int64Buffer index out of range")
            base[index] = newValue
        }
    }

    public func zero() { base.update(repeating: 0, count: count) }
}

/// The power of two for a step's fixed-point sums, chosen so that
/// 2^e · max|g| · terms < 2^51: every term converts exactly by the
/// magic-number trick below, and no sum of `terms` of them can overflow.
public func fixedPointScale(maximumMagnitude: Float, terms: Int) -> Double {
    guard maximumMagnitude > 0, maximumMagnitude.isFinite else { return 1 }
    let bound = Double(maximumMagnitude) * Double(max(terms, 1))
    return Double(sign: .plus, exponent: 50 - bound.exponent, significand: 1)
}

/// 1.5 · 2^52: adding it to a Double of magnitude below 2^51 rounds that
/// value to an integer held in the low mantissa bits.
private let magic: Double = 6_755_399_441_055_744
private let magicBits = Int64(bitPattern: magic.bitPattern)

extension Vector {
    /// max |x| (NaN if any element is NaN).
    public var maximumMagnitude: Float {
        let x = buffer.base + offset
        var lanes = SIMD8<Float>()
        var index = 0
        var sawNaN = false
        while index + 8 <= count {
            let values = x.lanes(at: index)
            sawNaN = sawNaN || any(values .!= values)
            let magnitudes = values.replacing(with: -values, where: values .< 0)
            lanes = lanes.replacing(with: magnitudes, where: magnitudes .> lanes)
            index += 8
        }
        var result = lanes.max()
        while index < count {
            sawNaN = sawNaN || x[index].isNaN
            result = Swift.max(result, abs(x[index]))
            index += 1
        }
        return sawNaN ? .nan : result
    }

    /// total[i] = Σ_j round(parts[j][i] · scale).
    public static func sumAsFixedPoint(_ parts: [Vector], scale: Double, into total: Int64Buffer) {
        precondition(parts.allSatisfy { $0.count == total.count }, "fixed-point parts differ in length")
        let q = total.base
        let count = total.count
        // round(x · scale) as (x · scale + magic)'s bits minus magic's: no
        // branch and no trap, so the loop vectorizes. One loop per part (the
        // parts' order cannot matter: integer sums).
        for (index, part) in parts.enumerated() {
            let source = part.buffer.base + part.offset
            if index == 0 {
                for i in 0..<count { q[i] = Int64(bitPattern: (Double(source[i]) * scale + magic).bitPattern) &- magicBits }
            } else {
                for i in 0..<count { q[i] &+= Int64(bitPattern: (Double(source[i]) * scale + magic).bitPattern) &- magicBits }
            }
        }
        if parts.isEmpty { total.zero() }
    }

    /// self[i] = q[offset + i] / scale, rounded to Float.
    public func loadFixedPoint(from q: Int64Buffer, offset start: Int, scale: Double) {
        precondition(start >= 0 && start + count <= q.count, "fixed-point range out of bounds")
        let x = buffer.base + offset
        let inverse = 1 / scale
        for i in 0..<count { x[i] = Float(Double(q.base[start + i]) * inverse) }
    }
}
