/// A start-up check that the BLAS kernels about to be trusted compute GEMM
/// correctly, against a Double reference.
///
/// Why: some machines set `OPENBLAS_CORETYPE` because an older OpenBLAS
/// computes wrong results or crashes on them, so a kernel vae-dist chooses
/// by name is checked before any training runs on it.
///
/// The shapes are the step's (the model's own are known only after the data
/// loads): a layer's forward (input × weightᵀ), its input gradient
/// (δ × weight) and its weight gradient (δᵀ × input) added onto a filled
/// gradient with β = 1, plus a narrow latent-width one and a both-transposed
/// one, all through ``gemm(_:_:into:alpha:beta:)`` as the model calls it.
/// Entries are compared at a fixed sample including every corner and edge
/// (where kernels handle their tails), so the check takes a few
/// milliseconds.
enum BLASKernelCheck {
    /// nil when every sampled entry agrees with the Double reference within
    /// float rounding; otherwise the first disagreement, for the message.
    static func run() -> String? {
        let cases: [(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, beta: Float)] = [
            (128, 400, 784, false, true, 0),  // forward: input · weightᵀ
            (128, 784, 400, false, false, 0),  // input gradient: δ · weight
            (400, 784, 128, true, false, 1),  // weight gradient: δᵀ · input, accumulated
            (128, 400, 20, false, true, 1),  // the decoder's first layer, from the latent
            (37, 53, 71, true, true, 0),  // odd sizes, both transposed
        ]
        for (index, shape) in cases.enumerated() {
            if let problem = check(shape.m, shape.n, shape.k, shape.transposeA, shape.transposeB, shape.beta, seed: index) {
                return problem
            }
        }
        return nil
    }

    /// A value in [-1, 1) from an index, without a generator: the check must
    /// not depend on anything but this file.
    private static func value(_ index: Int, _ seed: Int) -> Float {
        var x = UInt64(truncatingIfNeeded: index &* 2_654_435_761 &+ seed &* 40_503 &+ 1)
        x ^= x >> 33
        x = x &* 0xff51_afd7_ed55_8ccd
        x ^= x >> 33
        return Float(Double(x >> 11) / Double(1 << 53) * 2 - 1)
    }

    private static func check(_ m: Int, _ n: Int, _ k: Int, _ transposeA: Bool, _ transposeB: Bool, _ beta: Float,
                              seed: Int) -> String? {
        // Stored shapes: A is m×k (k×m when transposed), B is k×n (n×k when transposed).
        let a = Matrix(buffer: FloatBuffer((0..<(m * k)).map { value($0, seed) }), offset: 0,
                       rows: transposeA ? k : m, columns: transposeA ? m : k)
        let b = Matrix(buffer: FloatBuffer((0..<(k * n)).map { value($0, seed + 101) }), offset: 0,
                       rows: transposeB ? n : k, columns: transposeB ? k : n)
        let initial = (0..<(m * n)).map { beta == 0 ? 0 : value($0, seed + 202) }
        let c = Matrix(buffer: FloatBuffer(initial), offset: 0, rows: m, columns: n)
        switch (transposeA, transposeB) {
        case (false, false): gemm(a, b, into: c, beta: beta)
        case (false, true): gemm(a, b.transposed, into: c, beta: beta)
        case (true, false): gemm(a.transposed, b, into: c, beta: beta)
        case (true, true): gemm(a.transposed, b.transposed, into: c, beta: beta)
        }
        let rows = Set([0, 1, m / 2, m - 2, m - 1] + (0..<6).map { ($0 * 7919) % m })
        let columns = Set([0, 1, n / 2, n - 2, n - 1] + (0..<6).map { ($0 * 104_729) % n })
        for row in rows.sorted() {
            for column in columns.sorted() {
                var exact = Double(beta) * Double(initial[row * n + column])
                var magnitude = abs(exact)
                for inner in 0..<k {
                    let left = Double(transposeA ? a[inner, row] : a[row, inner])
                    let right = Double(transposeB ? b[column, inner] : b[inner, column])
                    exact += left * right
                    magnitude += abs(left * right)
                }
                // Any summation order of k + 1 float terms stays within
                // (k + 2)·2⁻²⁴ of their absolute sum (Higham's γ bound).
                let bound = Double(k + 2) * 0x1p-24 * magnitude + 1e-30
                let got = Double(c[row, column])
                guard abs(got - exact) <= bound else {
                    return "C[\(row), \(column)] of a \(m)x\(k) by \(k)x\(n) product is \(got), expected \(exact)"
                }
            }
        }
        return nil
    }
}
