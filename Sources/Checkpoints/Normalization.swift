import Dataset
import RealModule
import Tensors

/// `--normalize`: an affine map per feature, x' = (x − shift) · scale,
/// applied to every batch as it is gathered, and inverted on everything
/// vae-dist writes back (samples, reconstructions, decodes), so users see
/// their data's own units.
///
/// - `none`: the data as stored (bytes scaled to [0, 1]).
/// - `minmax`: one global shift and scale (the training rows' minimum and
///   maximum over all features) onto [0, 1]; keeps the features' relative
///   scales, and makes any data fit `--recon bce`.
/// - `standard`: each feature's training mean and standard deviation
///   (a constant feature keeps scale 1).
///
/// The statistics come from the training rows only, are stored in the
/// checkpoint, and are reused by `eval`, `encode` and the pictures.
public struct Normalization: Equatable, Sendable {
    public enum Mode: String, CaseIterable, Codable, Sendable {
        case none, minmax, standard
    }

    public let mode: Mode
    /// Per feature; empty for `none`.
    public let shift: [Float]
    public let scale: [Float]

    public static let identity = Normalization(mode: .none, shift: [], scale: [])

    public init(mode: Mode, shift: [Float], scale: [Float]) {
        precondition(shift.count == scale.count && (mode == .none) == shift.isEmpty, "normalization of \(mode) with \(shift.count) features")
        self.mode = mode
        self.shift = shift
        self.scale = scale
    }

    /// The map `mode` fits to the training rows' `statistics`.
    package init(mode: Mode, fittedTo statistics: SampleStatistics) {
        let features = statistics.featureCount
        switch mode {
        case .none:
            self = .identity
        case .minmax:
            let range = statistics.maximum - statistics.minimum
            let scale = range > 0 && range.isFinite ? Float(1 / range) : 1
            self.init(mode: mode, shift: [Float](repeating: Float(statistics.minimum), count: features),
                      scale: [Float](repeating: scale, count: features))
        case .standard:
            let deviations = statistics.variances.map { $0.squareRoot() }
            self.init(mode: mode, shift: statistics.means.map { Float($0) },
                      scale: deviations.map { $0 > 1e-12 && $0.isFinite ? Float(1 / $0) : 1 })
        }
    }

    /// Maps a batch of rows in the data's units into the model's.
    package func apply(to batch: Matrix) {
        guard mode != .none else { return }
        batch.applyAffineColumns(shift: shift, scale: scale)
    }

    /// Maps a batch of the model's outputs back into the data's units.
    package func invert(_ batch: Matrix) {
        guard mode != .none else { return }
        batch.applyAffineColumns(shift: scale.indices.map { -shift[$0] * scale[$0] }, scale: scale.map { 1 / $0 })
    }

    /// Σ_d log scale_d: what a density in the model's units gains per sample
    /// when it is expressed in the data's units (the change of variables).
    public var logJacobian: Double {
        scale.reduce(0) { $0 + Double.log(Double($1)) }
    }
}

extension Normalization {
    /// Names of the tensors that hold a normalization in vae-dist's files.
    static let shiftTensorName = "data.shift"
    static let scaleTensorName = "data.scale"

    /// Shift and scale as vectors, for a file; nil for `none`.
    var vectors: (shift: Vector, scale: Vector)? {
        guard mode != .none else { return nil }
        return (FloatBuffer(shift).all, FloatBuffer(scale).all)
    }
}
