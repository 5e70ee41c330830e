import Randomness
import Tensors

/// `nn.Linear` as views: weight `[out, in]` and bias `[out]` in the parameter
/// buffer, their gradients at the same offsets in the gradient buffer.
struct LinearLayer {
    let weight: Matrix
    let bias: Vector
    let weightGradient: Matrix
    let biasGradient: Vector

    init(_ slot: ParameterLayout.LayerSlot, parameters: Vector, gradients: Vector) {
        weight = parameters.buffer.matrix(offset: parameters.offset + slot.weightOffset, rows: slot.output, columns: slot.input)
        bias = parameters.buffer.vector(offset: parameters.offset + slot.biasOffset, count: slot.output)
        weightGradient = gradients.buffer.matrix(offset: gradients.offset + slot.weightOffset, rows: slot.output, columns: slot.input)
        biasGradient = gradients.buffer.vector(offset: gradients.offset + slot.biasOffset, count: slot.output)
    }

    var inputSize: Int { weight.columns }
    var outputSize: Int { weight.rows }

    /// output (B, out) = input (B, in) · Wᵀ + b, then ReLU if asked.
    func forward(_ input: Matrix, into output: Matrix, relu: Bool) {
        gemm(input, weight.transposed, into: output)
        output.addRowVector(bias, relu: relu)
    }

    /// From the output gradient (B, out): dW (+)= dYᵀ·X, db (+)= Σ_rows dY, and,
    /// when `inputGradient` is given, dX = dY·W (before any ReLU mask).
    func backward(outputGradient: Matrix, input: Matrix, inputGradient: Matrix?, accumulate: Bool) {
        gemm(outputGradient.transposed, input, into: weightGradient, beta: accumulate ? 1 : 0)
        outputGradient.sumRows(into: biasGradient, accumulate: accumulate)
        if let inputGradient {
            gemm(outputGradient, weight, into: inputGradient)
        }
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
