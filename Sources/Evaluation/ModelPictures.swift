import Dataset
import Randomness
import RealModule
import Tensors
import VAE
import Checkpoints
import TrainingInput

/// What people judge a VAE by: decodes of prior samples, reconstructions and
/// the learned manifold, as rows in the data's own units (for `.npy`
/// output) or as grids of images.
public struct ModelPictures {
    let model: VariationalAutoencoder
    let seed: UInt64
    let normalization: Normalization
    /// The model's decoder: its output activation, and the loss its forward pass computes.
    let reconstruction: Reconstruction
    /// The data's image shape; nil for vector data, which has no pictures.
    let image: SampleShape.Image?

    public init(model: VariationalAutoencoder, seed: UInt64, shape: SampleShape, normalization: Normalization,
                reconstruction: Reconstruction) {
        precondition(shape.features == model.architecture.inputSize, "data shape \(shape) does not match the model's input")
        self.model = model
        self.seed = seed
        self.normalization = normalization
        self.reconstruction = reconstruction
        image = shape.image
    }

    /// The pictures of a checkpoint's model, as it saw its data: its
    /// normalization and decoder, shown in `shape` (the data's own, when a
    /// command reads data; else the checkpoint's recorded one).
    public init(checkpoint: Checkpoint, model: VariationalAutoencoder, shape: SampleShape? = nil, seed: UInt64? = nil) {
        self.init(model: model, seed: seed ?? checkpoint.seed, shape: shape ?? checkpoint.input.shape,
                  normalization: checkpoint.input.normalization, reconstruction: checkpoint.objective.reconstruction)
    }

    /// `count` decodes of z ~ N(0, I), drawn from a fixed stream of `seed`,
    /// so successive epochs (or checkpoints) show the same codes.
    public func sampleRows(count: Int) -> [[Float]] {
        let prior = CounterGaussian(seed: seed, stream: Evaluator.NoiseStream.prior)
        let codes: [[Float]] = (0..<count).map { position in
            let code = FloatBuffer(count: model.architecture.latent)
            code.all.withMutableSpan { prior.fill(&$0, position: position) }
            return code.all.array
        }
        return decode(codes)
    }

    /// The first `count` rows of `source` and their reconstructions (z drawn
    /// once per row, as in evaluation), in the data's units.
    func reconstructionRows(of source: BatchSource, count: Int) -> (originals: [[Float]], reconstructions: [[Float]]) {
        let count = min(count, source.rows.count)
        let noise = CounterGaussian(seed: seed, stream: Evaluator.NoiseStream.evaluation)
        var originals = [[Float]](), reconstructions = [[Float]]()
        for start in stride(from: 0, to: count, by: model.batchCapacity) {
            let rows = min(model.batchCapacity, count - start)
            let batch = model.batch(rows: rows)
            batch.load(start..<(start + rows), from: source, noise: noise, noisePositions: start..<(start + rows))
            _ = model.loss(batch, objective: Objective(reconstruction: reconstruction))
            normalization.invert(batch.input)
            let outputs = model.outputs(rows: rows)
            normalization.invert(outputs)
            originals += (0..<rows).map { batch.input.rows(from: $0, count: 1).flattened.array }
            reconstructions += (0..<rows).map { outputs.rows(from: $0, count: 1).flattened.array }
        }
        return (originals, reconstructions)
    }

    /// Kingma & Welling's manifold: for a 2-D latent space, decodes a
    /// `steps × steps` grid of codes spaced by the Gaussian's quantiles
    /// (Φ⁻¹ of evenly spaced probabilities); for more dimensions, one row
    /// per latent dimension, sweeping it through the same quantiles while the
    /// others stay at μ of the first row of `source`.
    func manifoldRows(steps: Int, around source: BatchSource) -> [[Float]] {
        let quantiles = (0..<steps).map { inverseNormalCDF((Double($0) + 0.5) / Double(steps)) }
        let latent = model.architecture.latent
        var codes = [[Float]]()
        if latent == 2 {
            for y in quantiles.reversed() {
                for x in quantiles { codes.append([Float(x), Float(y)]) }
            }
        } else {
            // z = μ: no noise positions, so the noise rows stay zero.
            let batch = model.batch(rows: 1)
            batch.noise.flattened.fill(0)
            batch.load([0], from: source, noise: CounterGaussian(seed: seed, stream: 0), noisePositions: [])
            _ = model.loss(batch, objective: Objective(reconstruction: reconstruction))
            let center = model.latentMeans(rows: 1)[0]
            for dimension in 0..<latent {
                for value in quantiles {
                    var code = center
                    code[dimension] = Float(value)
                    codes.append(code)
                }
            }
        }
        return decode(codes)
    }

    /// Decodes `codes` into rows in the data's units.
    public func decode(_ codes: [[Float]]) -> [[Float]] {
        var decoded = [[Float]]()
        for start in stride(from: 0, to: codes.count, by: model.batchCapacity) {
            let chunk = Array(codes[start..<min(start + model.batchCapacity, codes.count)])
            let output = model.decode(chunk, activation: reconstruction.outputActivation)
            normalization.invert(output)
            decoded += (0..<chunk.count).map { output.rows(from: $0, count: 1).flattened.array }
        }
        return decoded
    }

    // The same for rows of a model command's `--data`.

    public func reconstructionRows(of data: ModelData, count: Int) -> (originals: [[Float]], reconstructions: [[Float]]) {
        reconstructionRows(of: data.source, count: count)
    }

    public func manifoldRows(steps: Int, around data: ModelData) -> [[Float]] {
        manifoldRows(steps: steps, around: data.source)
    }

    public func reconstructions(of data: ModelData, count: Int, columns: Int = 8) -> GridImage {
        reconstructions(of: data.source, count: count, columns: columns)
    }

    public func manifold(steps: Int, around data: ModelData) -> GridImage {
        manifold(steps: steps, around: data.source)
    }

    // Grids of images (image data only).

    public var hasImages: Bool { image != nil }

    public func samples(count: Int, columns: Int = 8) -> GridImage {
        grid(sampleRows(count: count), columns: columns)
    }

    /// Originals, each row of them followed by a row of their reconstructions.
    package func reconstructions(of source: BatchSource, count: Int, columns: Int = 8) -> GridImage {
        let (originals, reconstructions) = reconstructionRows(of: source, count: count)
        var tiles = [[Float]]()
        for start in stride(from: 0, to: originals.count, by: columns) {
            let end = min(start + columns, originals.count)
            tiles += originals[start..<end] + reconstructions[start..<end]
        }
        return grid(tiles, columns: min(columns, originals.count))
    }

    func manifold(steps: Int, around source: BatchSource) -> GridImage {
        grid(manifoldRows(steps: steps, around: source), columns: steps)
    }

    private func grid(_ tiles: [[Float]], columns: Int) -> GridImage {
        guard let image else { preconditionFailure("pictures of vector data: callers check hasImages") }
        return GridImage.grid(tiles: tiles, tileWidth: image.width, tileHeight: image.height, channels: image.channels,
                              columns: columns)
    }
}

/// Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation (relative error
/// below 1.2e-9), enough for placing a picture's grid.
func inverseNormalCDF(_ p: Double) -> Double {
    precondition(p > 0 && p < 1, "a probability strictly between 0 and 1")
    let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
    let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
             6.680131188771972e+01, -1.328068155288572e+01]
    let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
    let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    let low = 0.02425
    func tail(_ q: Double) -> Double {
        (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    }
    if p < low { return tail((-2 * Double.log(p)).squareRoot()) }
    if p > 1 - low { return -tail((-2 * Double.log(1 - p)).squareRoot()) }
    let q = p - 0.5, r = q * q
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
        / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
}
