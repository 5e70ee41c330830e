// Fused loss passes for decoders whose output is used as it is (the identity
// output activation), for data that need not lie in [0, 1]. Same shape as
// `logisticLoss`: eight lanes at a time, per-row sums in Float, the total in
// Double, the mean written out so the caller's output buffer always holds it.

/// ½ log 2π, the Gaussian's normalizing constant per feature.
private let halfLogTwoPi: Float = 0.918_938_533_204_672_7

extension Matrix {
    /// Treats `self` as the decoder's means μ and scores them by absolute
    /// error Σ |μ − x|: copies μ to `means`, writes the subgradient sign(μ − x)
    /// (0 where μ = x) to `gradient` if given and each row's loss to
    /// `rowLosses` if given, and returns the loss summed over every element.
    public func absoluteErrorLoss(targets: Matrix, means: Matrix, gradient: Matrix?, rowLosses: Vector? = nil) -> Double {
        checkLossShapes(targets: targets, means: means, gradient: gradient, rowLosses: rowLosses)
        let m = buffer.base + offset
        let x = targets.buffer.base + targets.offset
        let out = means.buffer.base + means.offset
        let g = gradient.map { $0.buffer.base + $0.offset }
        var total: Double = 0
        for row in 0..<rows {
            let start = row * columns
            let end = start + columns
            var lanes = Lanes()
            var i = start
            while i < end {
                let valid = min(8, end - i)
                let mean = valid == 8 ? m.lanes(at: i) : partial(m, i, valid)
                let target = valid == 8 ? x.lanes(at: i) : partial(x, i, valid)
                let difference = mean - target
                let loss = difference.replacing(with: -difference, where: difference .< 0)
                let sign = Lanes(repeating: 0).replacing(with: 1, where: difference .> 0)
                    .replacing(with: -1, where: difference .< 0)
                if valid == 8 {
                    lanes += loss
                    out.store(mean, at: i)
                    g?.store(sign, at: i)
                } else {
                    for k in 0..<valid {
                        lanes[k] += loss[k]
                        out[i + k] = mean[k]
                        g?[i + k] = sign[k]
                    }
                }
                i += valid
            }
            let rowLoss = lanes.sum()
            rowLosses?[row] = rowLoss
            total += Double(rowLoss)
        }
        return total
    }

    /// Treats `self` as the means μ of a Gaussian with per-column log-variance
    /// s (one value per column, shared by every row) and scores the targets by
    /// the negative log-likelihood in nats, ½ Σ [log 2π + s + (x − μ)²·e^−s].
    ///
    /// `precision` must hold e^−s: the caller computes it once per batch
    /// rather than once per element. Copies μ to `means`; if given, writes
    /// dLoss/dμ = (μ − x)·e^−s to `gradient`, and sets (or, when
    /// `accumulate`, adds to) `logVarianceGradient` the batch's
    /// Σ_rows ½(1 − (x − μ)²·e^−s); writes each row's loss to `rowLosses`
    /// if given, and returns the loss summed over every element.
    public func gaussianLoss(
        targets: Matrix, logVariance: Vector, precision: Vector, means: Matrix, gradient: Matrix?,
        logVarianceGradient: Vector?, accumulate: Bool, rowLosses: Vector? = nil
    ) -> Double {
        checkLossShapes(targets: targets, means: means, gradient: gradient, rowLosses: rowLosses)
        precondition(logVariance.count == columns && precision.count == columns, "one log-variance per column")
        if let logVarianceGradient { precondition(logVarianceGradient.count == columns, "one log-variance gradient per column") }
        let m = buffer.base + offset
        let x = targets.buffer.base + targets.offset
        let s = logVariance.buffer.base + logVariance.offset
        let p = precision.buffer.base + precision.offset
        let out = means.buffer.base + means.offset
        let g = gradient.map { $0.buffer.base + $0.offset }
        let gs = logVarianceGradient.map { $0.buffer.base + $0.offset }
        if let gs, !accumulate { gs.update(repeating: 0, count: columns) }
        var total: Double = 0
        for row in 0..<rows {
            let start = row * columns
            var lanes = Lanes()
            var column = 0
            while column < columns {
                let i = start + column
                let valid = min(8, columns - column)
                let mean = valid == 8 ? m.lanes(at: i) : partial(m, i, valid)
                let target = valid == 8 ? x.lanes(at: i) : partial(x, i, valid)
                let logVarianceLanes = valid == 8 ? s.lanes(at: column) : partial(s, column, valid)
                let precisionLanes = valid == 8 ? p.lanes(at: column) : partial(p, column, valid)
                let difference = mean - target
                let scaledSquare = difference * difference * precisionLanes
                let loss = halfLogTwoPi + 0.5 * (logVarianceLanes + scaledSquare)
                let meanGradient = difference * precisionLanes
                let logVarianceStep = 0.5 * (1 - scaledSquare)
                if valid == 8 {
                    lanes += loss
                    out.store(mean, at: i)
                    g?.store(meanGradient, at: i)
                    if let gs { gs.store(gs.lanes(at: column) + logVarianceStep, at: column) }
                } else {
                    for k in 0..<valid {
                        lanes[k] += loss[k]
                        out[i + k] = mean[k]
                        g?[i + k] = meanGradient[k]
                        gs?[column + k] += logVarianceStep[k]
                    }
                }
                column += valid
            }
            let rowLoss = lanes.sum()
            rowLosses?[row] = rowLoss
            total += Double(rowLoss)
        }
        return total
    }

    private func checkLossShapes(targets: Matrix, means: Matrix, gradient: Matrix?, rowLosses: Vector?) {
        precondition(targets.rows == rows && targets.columns == columns, "targets shape mismatch")
        precondition(means.rows == rows && means.columns == columns, "means shape mismatch")
        if let gradient { precondition(gradient.rows == rows && gradient.columns == columns, "gradient shape mismatch") }
        if let rowLosses { precondition(rowLosses.count == rows, "one loss per row") }
    }
}
