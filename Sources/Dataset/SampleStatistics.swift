/// What one pass over (part of) a dataset found, in Double, of the values as
/// training sees them (after conversion to Float, bytes scaled to [0, 1]).
///
/// Rows holding a NaN or an infinity are left out of every sum and extreme
/// (so the report stays readable) and the first of them is recorded. Parts
/// computed by different ranks over disjoint row ranges combine exactly
/// (up to summation order) with ``merged(with:)``; ``packed`` lays a part out
/// as one Double vector so all parts travel in one allgather.
public struct SampleStatistics: Equatable, Sendable {
    public private(set) var rowCount: Int
    public private(set) var finiteRowCount: Int
    /// The smallest row index (in the whole dataset) with a non-finite value.
    public private(set) var firstNonFiniteRow: Int?
    /// +∞ and −∞ when no finite row was seen.
    public private(set) var minimum: Double
    public private(set) var maximum: Double
    public private(set) var sums: [Double]
    public private(set) var sumsOfSquares: [Double]

    /// Statistics of no rows.
    public init(featureCount: Int) {
        precondition(featureCount > 0, "statistics need at least one feature")
        rowCount = 0
        finiteRowCount = 0
        firstNonFiniteRow = nil
        minimum = .infinity
        maximum = -.infinity
        sums = [Double](repeating: 0, count: featureCount)
        sumsOfSquares = sums
    }

    public var featureCount: Int { sums.count }

    /// Per-feature means over the finite rows.
    public var means: [Double] {
        sums.map { $0 / Double(max(finiteRowCount, 1)) }
    }

    /// Per-feature population variances over the finite rows.
    public var variances: [Double] {
        let n = Double(max(finiteRowCount, 1))
        return zip(sums, sumsOfSquares).map { sum, squares in max(squares / n - (sum / n) * (sum / n), 0) }
    }

    /// These statistics and `other`'s (of other rows) together.
    public func merged(with other: SampleStatistics) -> SampleStatistics {
        precondition(other.featureCount == featureCount, "merging statistics of \(other.featureCount) and \(featureCount) features")
        var result = self
        result.rowCount += other.rowCount
        result.finiteRowCount += other.finiteRowCount
        if let row = other.firstNonFiniteRow { result.firstNonFiniteRow = min(row, firstNonFiniteRow ?? row) }
        result.minimum = min(minimum, other.minimum)
        result.maximum = max(maximum, other.maximum)
        for index in 0..<featureCount {
            result.sums[index] += other.sums[index]
            result.sumsOfSquares[index] += other.sumsOfSquares[index]
        }
        return result
    }

    /// Adds the statistics of a block of rows starting at dataset row `firstRow`.
    mutating func add(rows: Int, finiteRows: Int, firstNonFinite: Int?, firstRow: Int) {
        rowCount += rows
        finiteRowCount += finiteRows
        if let row = firstNonFinite, firstNonFiniteRow == nil { firstNonFiniteRow = firstRow + row }
    }

    mutating func withAccumulators<Result>(
        _ body: (inout [Double], inout [Double], inout Double, inout Double) -> Result
    ) -> Result {
        body(&sums, &sumsOfSquares, &minimum, &maximum)
    }

    /// Length of ``packed`` for `featureCount` features.
    public static func packedCount(featureCount: Int) -> Int { 5 + 2 * featureCount }

    /// [rows, finite rows, first non-finite row or −1, minimum, maximum,
    /// sums…, sums of squares…]: counts below 2⁵³ are exact in a Double.
    public var packed: [Double] {
        [Double(rowCount), Double(finiteRowCount), Double(firstNonFiniteRow ?? -1), minimum, maximum] + sums + sumsOfSquares
    }

    /// Undoes ``packed``.
    public init(packed: some Collection<Double>) {
        let values = Array(packed)
        precondition(values.count >= 7 && (values.count - 5) % 2 == 0, "\(values.count) values are not packed statistics")
        let features = (values.count - 5) / 2
        rowCount = Int(values[0])
        finiteRowCount = Int(values[1])
        firstNonFiniteRow = values[2] < 0 ? nil : Int(values[2])
        minimum = values[3]
        maximum = values[4]
        sums = Array(values[5..<(5 + features)])
        sumsOfSquares = Array(values[(5 + features)...])
    }

    /// The merge of `parts` packed statistics laid end to end (what an
    /// allgather of every rank's ``packed`` returns).
    public init(mergingPacked gathered: [Double], parts: Int) {
        precondition(parts > 0 && gathered.count % parts == 0, "\(gathered.count) values are not \(parts) packed parts")
        let size = gathered.count / parts
        var result = SampleStatistics(packed: gathered[0..<size])
        for part in 1..<parts {
            result = result.merged(with: SampleStatistics(packed: gathered[(part * size)..<((part + 1) * size)]))
        }
        self = result
    }
}
