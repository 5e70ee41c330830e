import Dataset
import Tensors

/// Rows of a ``SampleMatrix`` in a fixed order: all of them, or the part of
/// them a `--holdout` split assigns to one side (4 bytes per listed row, the
/// only per-row memory a rank holds besides the epoch's order).
package struct SampleRows {
    package let matrix: SampleMatrix
    /// Matrix rows, in this view's order; nil: every row, in order.
    private let indices: [UInt32]?
    /// Labels of this view's rows, in its order (MNIST layout only).
    let labels: [UInt8]?

    init(_ matrix: SampleMatrix, labels: [UInt8]?) {
        self.matrix = matrix
        indices = nil
        self.labels = labels
    }

    init(_ matrix: SampleMatrix, rows: [UInt32], labels: [UInt8]?) {
        self.matrix = matrix
        indices = rows
        self.labels = labels.map { all in rows.map { all[Int($0)] } }
    }

    package var count: Int { indices?.count ?? matrix.count }
    var shape: SampleShape { matrix.shape }

    /// The matrix row at `position` of this view.
    func matrixRow(_ position: Int) -> Int {
        indices.map { Int($0[position]) } ?? position
    }

    /// Copies the rows at `positions` of this view into `batch` (converted to Float).
    func gather(_ positions: some Collection<Int>, into batch: Matrix) {
        if let indices {
            matrix.gather(rows: positions.lazy.map { Int(indices[$0]) }, into: batch)
        } else {
            matrix.gather(rows: positions, into: batch)
        }
    }

    /// Statistics of the view's rows at `positions`.
    func scan(_ positions: Range<Int>) -> SampleStatistics {
        if let indices {
            return matrix.scan(rowIndices: indices[positions].map { Int($0) })
        }
        return matrix.scan(rows: positions)
    }
}
