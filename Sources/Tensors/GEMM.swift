import CBLAS
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A GEMM operand: a matrix as stored, or its transpose (``Matrix/transposed``),
/// so a call reads like the formula: `gemm(input, weight.transposed, into: output)`.
public protocol GEMMOperand {
    /// The operand's shape and first element (before any transpose).
    var matrix: Matrix { get }
    var isTransposed: Bool { get }
    /// Floats from one stored row to the next: `matrix.columns`, unless the
    /// operand is a block of columns of a wider matrix (``ColumnBlock``).
    var leadingDimension: Int { get }
}

extension Matrix: GEMMOperand {
    public var matrix: Matrix { self }
    public var isTransposed: Bool { false }
    public var leadingDimension: Int { columns }
    /// This matrix used transposed in a GEMM (no data moves).
    public var transposed: TransposedMatrix { TransposedMatrix(matrix: self) }
    /// Columns `start ..< start + count` of every row, as a GEMM operand (no data moves).
    public func columns(from start: Int, count: Int) -> ColumnBlock {
        precondition(start >= 0 && count >= 0 && start + count <= columns, "column block out of bounds")
        return ColumnBlock(matrix: Matrix(buffer: buffer, offset: offset + start, rows: rows, columns: count),
                           leadingDimension: columns, isTransposed: false)
    }
}

public struct TransposedMatrix: GEMMOperand {
    public let matrix: Matrix
    public var isTransposed: Bool { true }
    public var leadingDimension: Int { matrix.columns }
}

/// Some columns of a matrix: rows keep the whole matrix's stride, so a GEMM
/// can read a block of a layer's outputs in place.
public struct ColumnBlock: GEMMOperand {
    public let matrix: Matrix
    public let leadingDimension: Int
    public let isTransposed: Bool

    public var transposed: ColumnBlock {
        ColumnBlock(matrix: matrix, leadingDimension: leadingDimension, isTransposed: !isTransposed)
    }
}

/// `c ← alpha · a · b + beta · c` on OpenBLAS's `cblas_sgemm`, where `a` and
/// `b` may be ``Matrix/transposed``.
///
/// Every matrix multiply of the model goes through here, so transposes are
/// BLAS flags and never materialized.
public func gemm(_ a: some GEMMOperand, _ b: some GEMMOperand, into c: Matrix, alpha: Float = 1, beta: Float = 0) {
    let left = a.matrix
    let right = b.matrix
    let (m, k) = a.isTransposed ? (left.columns, left.rows) : (left.rows, left.columns)
    let (kB, n) = b.isTransposed ? (right.columns, right.rows) : (right.rows, right.columns)
    precondition(k == kB, "gemm inner dimensions differ: \(k) vs \(kB)")
    precondition(c.rows == m && c.columns == n, "gemm output is \(c.rows)x\(c.columns), expected \(m)x\(n)")
    precondition(!c.flattened.overlaps(left.flattened) && !c.flattened.overlaps(right.flattened),
                 "gemm output overlaps an input")
    guard m > 0, n > 0 else { return }
    let started = GEMMClock.now()
    defer { GEMMClock.add(since: started) }
    if k == 0 {
        c.flattened.scale(by: beta)
        return
    }
    // OpenBLAS clears C for beta = 0 with one scalar store per float (its
    // `sgemm_beta` kernel, ~4% of a training step); memset clears it with
    // vector stores. Then beta = 1 skips that kernel, and the sums land on
    // zeros exactly as they do after OpenBLAS's own clearing: the same bits.
    var beta = beta
    if beta == 0 {
        c.flattened.fill(0)
        beta = 1
    }
    cblas_sgemm(
        CblasRowMajor,
        a.isTransposed ? CblasTrans : CblasNoTrans,
        b.isTransposed ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k),
        alpha, left.buffer.base + left.offset, Int32(max(a.leadingDimension, 1)),
        right.buffer.base + right.offset, Int32(max(b.leadingDimension, 1)),
        beta, c.buffer.base + c.offset, Int32(max(c.columns, 1)))
}

/// OpenBLAS's own thread pool. Ranks are the unit of parallelism, so each rank
/// asks for a fixed count (1 by default) instead of inheriting whatever
/// OpenBLAS guesses from the cores it can see, which changes with binding.
public enum BLASThreads {
    public static func set(_ count: Int) {
        precondition(count >= 1, "BLAS thread count must be at least 1")
        openblas_set_num_threads(Int32(count))
    }
}

/// Time spent inside ``gemm(_:_:into:alpha:beta:)`` by this process, so the
/// trainer and the benchmark can say what share of a step is matrix
/// multiplication (the part BLAS bounds) and what share is everything else.
public enum GEMMClock {
    private static let nanoseconds = Atomic<UInt64>(0)

    public static var seconds: Double { Double(nanoseconds.load(ordering: .relaxed)) * 1e-9 }

    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    static func add(since start: UInt64) {
        nanoseconds.add(now() - start, ordering: .relaxed)
    }
}
