import Dataset
import Randomness
import SystemIO
import Tensors
import VAE

extension Trainer {
    /// Per-sample loss terms over the whole set (see ``Evaluator``).
    func evaluate(_ set: ImageSet) throws(TrainingError) -> LossTerms {
        try Evaluator(model: evaluationModel, objective: configuration.objective, seed: configuration.seed,
                      communicator: communicator).lossTerms(on: set)
    }

    /// Rank 0: `samples.png` (64 decodes of fixed z ~ N(0, I), so successive
    /// epochs show the same codes improving) and `recon.png` (the first 32
    /// test images above their reconstructions).
    func writeImages() throws(TrainingError) {
        let pictures = ModelPictures(model: evaluationModel, seed: configuration.seed, width: data.test.columns, height: data.test.rows)
        try writePNG(pictures.samples(count: 64), name: "samples.png")
        try writePNG(pictures.reconstructions(of: data.test, count: 32), name: "recon.png")
    }

    private func writePNG(_ image: GridImage, name: String) throws(TrainingError) {
        try image.write(to: "\(configuration.outputDirectory)/\(name)")
    }
}
