import Randomness
import Tensors

/// `nn.Linear` as views: weight `[out, in]` and bias `[out]` in the parameter
/// buffer, their gradients at the same offsets in each row group's gradient
/// buffer (one buffer unless the model cuts its rows into ``RowGroups``).
struct LinearLayer {
    let weight: Matrix
    let bias: Vector
    /// One per row group.
    let gradients: [Gradient]

    struct Gradient {
        let weight: Matrix
        let bias: Vector
    }

    init(_ slot: ParameterLayout.LayerSlot, parameters: Vector, gradients: [Vector]) {
        weight = parameters.buffer.matrix(offset: parameters.offset + slot.weightOffset, rows: slot.output, columns: slot.input)
        bias = parameters.buffer.vector(offset: parameters.offset + slot.biasOffset, count: slot.output)
        self.gradients = gradients.map { buffer in
            Gradient(weight: buffer.buffer.matrix(offset: buffer.offset + slot.weightOffset, rows: slot.output, columns: slot.input),
                     bias: buffer.buffer.vector(offset: buffer.offset + slot.biasOffset, count: slot.output))
        }
    }

    var inputSize: Int { weight.columns }
    var outputSize: Int { weight.rows }

    /// output (B, out) = input (B, in) · Wᵀ + b, then ReLU if asked.
    func forward(_ input: Matrix, into output: Matrix, relu: Bool) {
        gemm(input, weight.transposed, into: output)
        output.addRowVector(bias, relu: relu)
    }

    /// From the output gradient (B, out): the weight gradient dYᵀ·X and the
    /// bias gradient Σ_rows dY of each row group over its own rows — set, or
    /// added when `accumulate`, in the group's own buffer, or added across
    /// groups as a pairwise tree in `terms` first (one buffer, `terms`
    /// given) — and, when `inputGradient` is given, dX = dY·W (before any
    /// ReLU mask), in one GEMM or one per group as `groups` says.
    func backward(outputGradient: Matrix, input: Matrix, inputGradient: Matrix?, accumulate: Bool, groups: RowGroups,
                  terms: GroupTerms?) {
        if let terms {
            precondition(!accumulate && gradients.count == 1, "a pairwise sum of groups cannot accumulate")
            sumGroupGradients(outputGradient: outputGradient, input: input, groups: groups, terms: terms)
        } else {
            for (group, gradient) in gradients.enumerated() {
                let rows = groups.rows(of: group)
                let groupGradient = outputGradient.rows(from: rows.lowerBound, count: rows.count)
                gemm(groupGradient.transposed, input.rows(from: rows.lowerBound, count: rows.count), into: gradient.weight,
                     beta: accumulate ? 1 : 0)
                groupGradient.sumRows(into: gradient.bias, accumulate: accumulate)
            }
        }
        if let inputGradient {
            groups.apply(to: outputGradient, into: inputGradient) { gemm($0, weight, into: $1) }
        }
    }

    /// The groups' weight and bias gradients as one pairwise tree sum, tile by
    /// tile of the weight's rows: every pair of groups' term of a tile is
    /// computed into `terms` (in cache) — the second group's GEMM adding onto
    /// the first's with β = 1, which is the tree's first level when the BLAS
    /// adds its product to C in one rounding (``GroupTerms/foldsPairsInGEMM``)
    /// — the pairs are added there, and only the sum is written.
    private func sumGroupGradients(outputGradient: Matrix, input: Matrix, groups: RowGroups, terms: GroupTerms) {
        let target = gradients[0]
        let tile = tileRows(input: inputSize, output: outputSize)
        func term(_ group: Int, rows: Int, start: Int, into output: Matrix, beta: Float) {
            let range = groups.rows(of: group)
            gemm(outputGradient.rows(from: range.lowerBound, count: range.count).columns(from: start, count: rows).transposed,
                 input.rows(from: range.lowerBound, count: range.count), into: output, beta: beta)
        }
        let folds = terms.foldsPairsInGEMM && groups.count > 1
        let termCount = folds ? groups.count / 2 : groups.count
        for start in stride(from: 0, to: outputSize, by: tile) {
            let rows = min(tile, outputSize - start)
            let output = target.weight.rows(from: start, count: rows)
            if groups.count == 1 {
                term(0, rows: rows, start: start, into: output, beta: 0)
                continue
            }
            let tileTerms = (0..<termCount).map { index in
                let scratch = terms.weightTiles.matrix(offset: index * rows * inputSize, rows: rows, columns: inputSize)
                if folds {
                    term(2 * index, rows: rows, start: start, into: scratch, beta: 0)
                    term(2 * index + 1, rows: rows, start: start, into: scratch, beta: 1)
                } else {
                    term(index, rows: rows, start: start, into: scratch, beta: 0)
                }
                return scratch.flattened
            }
            output.flattened.setPairwiseSum(of: tileTerms)
        }
        let biasTerms = (0..<groups.count).map { group in
            let range = groups.rows(of: group)
            let term = terms.biases.vector(offset: group * outputSize, count: outputSize)
            outputGradient.rows(from: range.lowerBound, count: range.count).sumRows(into: term)
            return term
        }
        target.bias.setPairwiseSum(of: biasTerms)
    }

    /// PyTorch's default `nn.Linear` initialization: weight and bias uniform in
    /// ±1/√fan_in (kaiming_uniform with a = √5 reduces to exactly this bound).
    func initialize(using generator: inout some RandomNumberGenerator) {
        let bound = 1 / Float(inputSize).squareRoot()
        for index in 0..<weight.count {
            weight.flattened[index] = generator.nextFloat(in: -bound..<bound)
        }
        for index in 0..<bias.count {
            bias[index] = generator.nextFloat(in: -bound..<bound)
        }
    }
}
