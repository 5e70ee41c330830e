#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// √x in each of four lanes, correctly rounded (IEEE 754), as one `sqrtps`.
///
/// Swift's `squareRoot()` on a SIMD vector is done lane by lane, each lane a
/// scalar `sqrtss` behind a branch to libm's `sqrtf` for negative inputs
/// (errno): in Adam that was eight scalar roots and eight branches per eight
/// parameters, most of the optimizer's time. The packed instruction rounds
/// each lane exactly as the scalar one does, so the bits are the same.
@inline(__always)
func packedSquareRoot(_ x: SIMD4<Float>) -> SIMD4<Float> {
    #if arch(x86_64)
    _mm_sqrt_ps(x)
    #else
    x.squareRoot()
    #endif
}
