import Randomness
import Tensors

/// Where a model's parameter gradients go when its batches are cut into
/// equal consecutive row groups (`--deterministic`'s micro-shards).
public enum GroupGradients {
    /// Each group's gradients in its own buffer (one group: a plain model).
    case separate([Vector])
    /// The groups' gradients added in one buffer as a balanced pairwise tree
    /// over group index (``Vector/setPairwiseSum(of:)``; a power-of-two
    /// count of groups). Each weight gradient is computed in tiles of rows
    /// small enough that all groups' terms of a tile stay in cache, so the
    /// terms never travel to memory; the tiles depend only on the layer's
    /// shape. Batches cannot be accumulated in this form.
    case pairwiseSum(groups: Int, into: Vector)

    public var buffers: [Vector] {
        switch self {
        case let .separate(buffers): buffers
        case let .pairwiseSum(_, sum): [sum]
        }
    }

    public var groupCount: Int {
        switch self {
        case let .separate(buffers): buffers.count
        case let .pairwiseSum(groups, _): groups
        }
    }

    /// Floats of one group's term of a weight tile in the pairwise-sum form
    /// (about 100 KB), for memory estimates.
    public static let tileFloats = 25_600
}

/// The row groups of one batch.
///
/// Only the weight and bias gradients sum over rows, so only they must be
/// computed per group to give every group the same bits whatever else is in
/// the batch. The other GEMMs compute each row on its own, so they can run
/// on the whole batch at once when the BLAS gives every row the same bits
/// whatever the row count (``splitsRowwiseGEMMs`` false); a caller that has
/// not checked that runs them group by group, as a model of the group's
/// rows alone would.
struct RowGroups {
    let count: Int
    let rowsPerGroup: Int
    /// Whether the forward and input-gradient GEMMs run once per group.
    let splitsRowwiseGEMMs: Bool

    /// A batch of `rows` rows as one group.
    static func single(rows: Int) -> RowGroups {
        RowGroups(count: 1, rowsPerGroup: max(rows, 1), splitsRowwiseGEMMs: false)
    }

    func rows(of group: Int) -> Range<Int> {
        (group * rowsPerGroup)..<((group + 1) * rowsPerGroup)
    }

    /// Runs a row-wise operation from `input` into `output` (same row count)
    /// on all rows at once, or group by group.
    func apply(to input: Matrix, into output: Matrix, _ operation: (Matrix, Matrix) -> Void) {
        guard splitsRowwiseGEMMs, count > 1 else { return operation(input, output) }
        for group in 0..<count {
            let rows = rows(of: group)
            operation(input.rows(from: rows.lowerBound, count: rows.count), output.rows(from: rows.lowerBound, count: rows.count))
        }
    }
}

/// Room for every group's term of one weight tile, bias and decoder log σ²
/// before a ``GroupGradients/pairwiseSum(groups:into:)`` adds them.
struct GroupTerms {
    let weightTiles: FloatBuffer
    let biases: FloatBuffer
    let logVariances: FloatBuffer
    /// Whether a GEMM with β = 1 adds its product to C in one rounding, as
    /// `C + (the product GEMM with β = 0 gives)` would, for this model's
    /// tiles: then the second group of a pair adds onto the first inside the
    /// GEMM, the tree's first level with no term of its own.
    let foldsPairsInGEMM: Bool

    init(architecture: Architecture, groups: Int, rowsPerGroup: Int) {
        let layout = ParameterLayout(architecture)
        let slots = layout.encoder + [layout.head] + layout.decoder
        foldsPairsInGEMM = slots.allSatisfy { slot in
            gemmAddsItsProductInOneRounding(rows: tileRows(input: slot.input, output: slot.output), columns: slot.input,
                                            depth: rowsPerGroup)
        }
        let terms = foldsPairsInGEMM && groups > 1 ? groups / 2 : groups
        weightTiles = FloatBuffer(count: terms * slots.map { tileRows(input: $0.input, output: $0.output) * $0.input }.reduce(0, max))
        biases = FloatBuffer(count: groups * slots.map(\.output).reduce(0, max))
        logVariances = FloatBuffer(count: architecture.hasDecoderLogVariance ? groups * architecture.inputSize : 0)
    }
}

/// Rows of a weight gradient computed together in the pairwise-sum form:
/// about 100 KB of one pair's term (4 pairs' terms stay in a 512 KB L2),
/// a multiple of 8 rows where the layer allows. Depends on the layer's shape
/// only, so every rank count computes the same tiles.
func tileRows(input: Int, output: Int) -> Int {
    let rows = max(1, GroupGradients.tileFloats / max(input, 1))
    return min(output, rows >= 8 ? rows / 8 * 8 : rows)
}

/// Whether `gemm(a, b, into: c, beta: 1)` leaves c + (a·b as `beta: 0`
/// computes it), bit for bit, for a weight-gradient tile of this shape: the
/// BLAS kernel adds its accumulated product to C once, in one rounding.
/// Measured on seeded random data, since no BLAS promises it.
func gemmAddsItsProductInOneRounding(rows: Int, columns: Int, depth: Int) -> Bool {
    var generator = SplitMix64(seed: 0xF01D_5EED)
    func random(_ rows: Int, _ columns: Int) -> Matrix {
        let matrix = FloatBuffer(count: rows * columns).matrix(offset: 0, rows: rows, columns: columns)
        for index in 0..<matrix.count { matrix.flattened[index] = generator.nextFloat(in: -1..<1) }
        return matrix
    }
    let (left, right) = (random(depth, rows), random(depth, columns))
    let first = random(rows, columns)
    let product = FloatBuffer(count: rows * columns).matrix(offset: 0, rows: rows, columns: columns)
    gemm(left.transposed, right, into: product)
    let folded = FloatBuffer(count: rows * columns).matrix(offset: 0, rows: rows, columns: columns)
    folded.flattened.copy(from: first.flattened)
    gemm(left.transposed, right, into: folded, beta: 1)
    let added = FloatBuffer(count: rows * columns).all
    added.setPairwiseSum(of: [first.flattened, product.flattened])
    return folded.flattened.hasSameBits(as: added)
}
