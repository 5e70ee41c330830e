import Dataset
import Randomness
import RealModule
import Tensors
import VAE

/// The pictures people judge a VAE by, as grids of decoded images.
public struct ModelPictures {
    let model: VariationalAutoencoder
    let seed: UInt64
    /// Image side lengths (the data's rows and columns).
    let width: Int
    let height: Int

    public init(model: VariationalAutoencoder, seed: UInt64, width: Int, height: Int) {
        precondition(width * height == model.architecture.inputSize, "image size does not match the model's input")
        self.model = model
        self.seed = seed
        self.width = width
        self.height = height
    }

    /// `count` decodes of z ~ N(0, I), drawn from a fixed stream of `seed`,
    /// so successive epochs (or checkpoints) show the same codes.
    public func samples(count: Int, columns: Int = 8) -> GridImage {
        let prior = CounterGaussian(seed: seed, stream: Evaluator.NoiseStream.prior)
        let codes: [[Float]] = (0..<count).map { position in
            let code = FloatBuffer(count: model.architecture.latent)
            code.all.withMutableSpan { prior.fill(&$0, position: position) }
            return code.all.array
        }
        return grid(decode(codes), columns: columns)
    }

    /// The first `count` images of `set`, each row of originals followed by
    /// a row of their reconstructions (z drawn once, as in evaluation).
    public func reconstructions(of set: ImageSet, count: Int, columns: Int = 8) -> GridImage {
        let count = min(count, set.count)
        let noise = CounterGaussian(seed: seed, stream: Evaluator.NoiseStream.evaluation)
        var tiles = [[Float]]()
        for start in stride(from: 0, to: count, by: columns) {
            let rows = min(columns, count - start)
            let batch = model.batch(rows: rows)
            batch.load(start..<(start + rows), of: set, noise: noise, positions: start..<(start + rows))
            _ = model.loss(batch, objective: Objective())
            let outputs = model.outputs(rows: rows)
            tiles += (0..<rows).map { batch.input.rows(from: $0, count: 1).flattened.array }
            tiles += (0..<rows).map { outputs.rows(from: $0, count: 1).flattened.array }
        }
        return grid(tiles, columns: min(columns, count))
    }

    /// Kingma & Welling's manifold: for a 2-D latent space, decodes a
    /// `steps × steps` grid of codes spaced by the Gaussian's quantiles
    /// (Φ⁻¹ of evenly spaced probabilities); for more dimensions, one row
    /// per latent dimension, sweeping it through the same quantiles while the
    /// others stay at μ of the set's first image.
    public func manifold(steps: Int, around set: ImageSet) -> GridImage {
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
            batch.load([0], of: set, noise: CounterGaussian(seed: seed, stream: 0), positions: [])
            _ = model.loss(batch, objective: Objective())
            let center = model.latentMeans(rows: 1)[0]
            for dimension in 0..<latent {
                for value in quantiles {
                    var code = center
                    code[dimension] = Float(value)
                    codes.append(code)
                }
            }
        }
        return grid(decode(codes), columns: steps)
    }

    private func decode(_ codes: [[Float]]) -> [[Float]] {
        var decoded = [[Float]]()
        for start in stride(from: 0, to: codes.count, by: model.batchCapacity) {
            let chunk = Array(codes[start..<min(start + model.batchCapacity, codes.count)])
            let output = model.decode(chunk)
            decoded += (0..<chunk.count).map { output.rows(from: $0, count: 1).flattened.array }
        }
        return decoded
    }

    private func grid(_ tiles: [[Float]], columns: Int) -> GridImage {
        GridImage.grid(tiles: tiles, tileWidth: width, tileHeight: height, columns: columns)
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
