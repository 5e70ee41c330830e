// Fused loss passes over a whole batch of decoder outputs, eight lanes at a
// time, with no calls inside.

/// How decoder logits are scored against targets in [0, 1].
public enum LogisticLoss: Sendable {
    /// Binary cross-entropy on σ(logit): max(l, 0) − l·x + log(1 + e^−|l|),
    /// the logits form of `BCEWithLogits`, exact where PyTorch's
    /// `binary_cross_entropy` on probabilities has to clamp.
    case crossEntropy
    /// (σ(l) − x)².
    case squaredError
}

extension Matrix {
    /// Treats `self` as logits: writes σ(logits) to `probabilities`, if given
    /// dLoss/dlogits to `gradient` and each row's loss to `rowLosses`, and
    /// returns the loss summed over every element (accumulated per row in
    /// Float, across rows in Double).
    public func logisticLoss(
        _ kind: LogisticLoss, targets: Matrix, probabilities: Matrix, gradient: Matrix?, rowLosses: Vector? = nil
    ) -> Double {
        precondition(targets.rows == rows && targets.columns == columns, "targets shape mismatch")
        precondition(probabilities.rows == rows && probabilities.columns == columns, "probabilities shape mismatch")
        if let gradient { precondition(gradient.rows == rows && gradient.columns == columns, "gradient shape mismatch") }
        if let rowLosses { precondition(rowLosses.count == rows, "one loss per row") }
        let l = buffer.base + offset
        let x = targets.buffer.base + targets.offset
        let p = probabilities.buffer.base + probabilities.offset
        let g = gradient.map { $0.buffer.base + $0.offset }
        var total: Double = 0
        for row in 0..<rows {
            let start = row * columns
            let end = start + columns
            var lanes = Lanes()
            var i = start
            while i < end {
                // The tail of a row is done on a full vector of lanes of which
                // only the first `valid` count (the rest are masked out).
                let valid = min(8, end - i)
                let logit = valid == 8 ? l.lanes(at: i) : partial(l, i, valid)
                let target = valid == 8 ? x.lanes(at: i) : partial(x, i, valid)
                let decay = exponentOfNonPositive(-logit.replacing(with: -logit, where: logit .< 0))
                let probability = Lanes(repeating: 1).replacing(with: decay, where: logit .< 0) / (1 + decay)
                let loss: Lanes
                switch kind {
                case .crossEntropy:
                    loss = logit.replacing(with: 0, where: logit .< 0) - logit * target + logOnePlus(decay)
                case .squaredError:
                    loss = (probability - target) * (probability - target)
                }
                var gradientLanes = probability - target
                if kind == .squaredError { gradientLanes = 2 * gradientLanes * probability * (1 - probability) }
                if valid == 8 {
                    lanes += loss
                    p.store(probability, at: i)
                    g?.store(gradientLanes, at: i)
                } else {
                    for k in 0..<valid {
                        lanes[k] += loss[k]
                        p[i + k] = probability[k]
                        g?[i + k] = gradientLanes[k]
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
}

/// The first `count` floats at `base + index` in a vector of lanes, the rest
/// zero: the tail of a row.
@inline(__always)
func partial(_ base: UnsafeMutablePointer<Float>, _ index: Int, _ count: Int) -> Lanes {
    var lanes = Lanes()
    for k in 0..<count { lanes[k] = base[index + k] }
    return lanes
}
