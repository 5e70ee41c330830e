// The element-wise passes that run on every activation of every step. They
// live here, next to the storage, so they can run as plain pointer loops the
// compiler vectorizes; model-specific math above this module uses spans.

extension Vector {
    public func scale(by factor: Float) {
        let p = buffer.base + offset
        if factor == 0 {
            p.update(repeating: 0, count: count)
            return
        }
        for i in 0..<count { p[i] *= factor }
    }
}

extension Matrix {
    /// Adds `bias` to every row, then applies ReLU if asked: the forward of
    /// `nn.Linear` after its GEMM, fused with the activation that follows it.
    public func addRowVector(_ bias: Vector, relu: Bool) {
        precondition(bias.count == columns, "bias length \(bias.count) does not match \(columns) columns")
        let b = bias.buffer.base + bias.offset
        for r in 0..<rows {
            let row = buffer.base + offset + r * columns
            if relu {
                for c in 0..<columns { row[c] = max(row[c] + b[c], 0) }
            } else {
                for c in 0..<columns { row[c] += b[c] }
            }
        }
    }

    /// Zeroes the gradient wherever the ReLU's output was zero.
    public func maskByPositive(_ activations: Matrix) {
        precondition(activations.rows == rows && activations.columns == columns, "ReLU mask shape mismatch")
        let g = buffer.base + offset
        let a = activations.buffer.base + activations.offset
        var i = 0
        while i + 8 <= count {
            g.store(g.lanes(at: i).replacing(with: 0, where: a.lanes(at: i) .<= 0), at: i)
            i += 8
        }
        while i < count {
            if !(a[i] > 0) { g[i] = 0 }
            i += 1
        }
    }

    /// `into ← sum over rows` (or `+=` when `accumulate`): a bias gradient.
    public func sumRows(into result: Vector, accumulate: Bool = false) {
        precondition(result.count == columns, "row-sum target length \(result.count) for \(columns) columns")
        let out = result.buffer.base + result.offset
        if !accumulate { out.update(repeating: 0, count: columns) }
        for r in 0..<rows {
            let row = buffer.base + offset + r * columns
            for c in 0..<columns { out[c] += row[c] }
        }
    }

    /// Fills the matrix with `scale · source[index[r] · columns + c]`: one
    /// batch gathered from a dataset's bytes into the model's input buffer.
    public func gatherRows(from source: [UInt8], rowIndices: some Collection<Int>, scale: Float) {
        precondition(rowIndices.count == rows, "gathering \(rowIndices.count) rows into \(rows)")
        source.withUnsafeBufferPointer { bytes in
            for (r, index) in rowIndices.enumerated() {
                precondition(index >= 0 && (index + 1) * columns <= bytes.count, "gather row \(index) out of range")
                let from = bytes.baseAddress! + index * columns
                let to = buffer.base + offset + r * columns
                for c in 0..<columns { to[c] = Float(from[c]) * scale }
            }
        }
    }
}
