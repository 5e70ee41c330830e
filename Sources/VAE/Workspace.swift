import Tensors

/// Activations and their gradients for up to `capacity` rows, allocated once.
///
/// The training loop allocates nothing per step: each step views the first
/// `rows` rows of these matrices.
struct Workspace {
    let capacity: Int
    let input: Matrix
    let noise: Matrix
    let encoderOutputs: [Matrix]
    let encoderGradients: [Matrix]
    /// μ in columns 0..<L, log σ² in columns L..<2L.
    let head: Matrix
    let headGradient: Matrix
    let latent: Matrix
    let latentGradient: Matrix
    let decoderOutputs: [Matrix]
    let decoderGradients: [Matrix]
    let probabilities: Matrix
    /// One loss per row, for importance weights.
    let rowLosses: Vector
    /// e^−log σ² of a Gaussian decoder, one per feature (unused otherwise).
    let decoderPrecision: Vector

    init(architecture: Architecture, capacity: Int) {
        let latentSize = architecture.latent
        let encoderWidths = architecture.encoderShapes.map(\.output)
        let decoderWidths = architecture.decoderShapes.map(\.output)
        let widths = [architecture.inputSize, latentSize] + encoderWidths + encoderWidths
            + [2 * latentSize, 2 * latentSize, latentSize, latentSize] + decoderWidths + decoderWidths
            + [architecture.inputSize, 1]
        let storage = FloatBuffer(count: capacity * widths.reduce(0, +))
        var offset = 0
        func next(_ columns: Int) -> Matrix {
            defer { offset += capacity * columns }
            return storage.matrix(offset: offset, rows: capacity, columns: columns)
        }
        self.capacity = capacity
        input = next(architecture.inputSize)
        noise = next(latentSize)
        encoderOutputs = encoderWidths.map(next)
        encoderGradients = encoderWidths.map(next)
        head = next(2 * latentSize)
        headGradient = next(2 * latentSize)
        latent = next(latentSize)
        latentGradient = next(latentSize)
        decoderOutputs = decoderWidths.map(next)
        decoderGradients = decoderWidths.map(next)
        probabilities = next(architecture.inputSize)
        rowLosses = next(1).flattened
        decoderPrecision = FloatBuffer(count: architecture.hasDecoderLogVariance ? architecture.inputSize : 0).all
    }
}
