// Branch-free exp and log1p on eight floats at a time. libm's expf/log1pf
// are opaque scalar calls (log1pf alone was 10% of a training step); these
// are plain arithmetic on SIMD lanes, accurate to a few ulp on the domains
// used here, far below the noise of float32 training.

typealias Lanes = SIMD8<Float>

/// e^x for x ≤ 0 (the logistic loss only needs e^−|l|); 0 below −87.
@inline(__always)
func exponentOfNonPositive(_ x: Lanes) -> Lanes {
    let clamped = x.replacing(with: -87, where: x .< -87)
    // x = n·ln2 + r with |r| ≤ ln2/2; e^x = 2^n · e^r. ln2 is split in two
    // (Cody–Waite, cephes's constants) so n·ln2 is exact.
    // Adding 1.5·2²³ rounds x·log2(e) to an integer n held in the low
    // mantissa bits, without a (slow, generic) float-to-int conversion.
    let shifted = clamped * 1.442_695_04 + 12_582_912
    let n = shifted - 12_582_912
    let r = (clamped - n * 0.693_359_375) + n * 2.121_944_4e-4
    // e^r on [−ln2/2, ln2/2]: degree-6 Taylor, relative error < 2e-7.
    var p = Lanes(repeating: 1.0 / 720)
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let exponentBits = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
    let scale = unsafeBitCast(exponentBits, to: Lanes.self)
    return (p * scale).replacing(with: 0, where: x .< -87)
}

/// log(1 + e) for e in [0, 1]: 2·atanh(s) with s = e / (2 + e) ≤ 1/3, whose
/// odd series reaches float precision by s¹⁵.
@inline(__always)
func logOnePlus(_ e: Lanes) -> Lanes {
    let s = e / (2 + e)
    let s2 = s * s
    var p = Lanes(repeating: 1.0 / 15)
    p = p * s2 + 1.0 / 13
    p = p * s2 + 1.0 / 11
    p = p * s2 + 1.0 / 9
    p = p * s2 + 1.0 / 7
    p = p * s2 + 1.0 / 5
    p = p * s2 + 1.0 / 3
    p = p * s2 + 1
    return 2 * s * p
}

extension UnsafeMutablePointer where Pointee == Float {
    /// Eight floats starting at `index` (unaligned).
    @inline(__always)
    func lanes(at index: Int) -> Lanes {
        UnsafeRawPointer(self + index).loadUnaligned(as: Lanes.self)
    }

    @inline(__always)
    func store(_ value: Lanes, at index: Int) {
        UnsafeMutableRawPointer(self + index).storeBytes(of: value, as: Lanes.self)
    }
}

/// Four floats: one SSE register, the baseline x86-64 vector width.
typealias Quad = SIMD4<Float>

extension UnsafeMutablePointer where Pointee == Float {
    /// Four floats starting at `index` (unaligned).
    @inline(__always)
    func quad(at index: Int) -> Quad {
        UnsafeRawPointer(self + index).loadUnaligned(as: Quad.self)
    }

    @inline(__always)
    func store(_ value: Quad, at index: Int) {
        UnsafeMutableRawPointer(self + index).storeBytes(of: value, as: Quad.self)
    }
}
