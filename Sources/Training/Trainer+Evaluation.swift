import Dataset
import Randomness
import SystemIO
import Tensors
import VAE
import TrainingCore
import Evaluation
import TrainingInput

extension Trainer {
    /// The training rows of `epoch` as the model sees them.
    func trainingSource(epoch: Int) -> BatchSource {
        BatchSource(rows: data.train, normalization: data.normalization,
                    binarization: configuration.binarize
                        ? CounterBernoulli(seed: configuration.seed, stream: BinarizationStream.training | UInt64(epoch)) : nil)
    }

    /// The test rows as the model sees them (nil: the run has no test set).
    var testSource: BatchSource? {
        data.test.map { rows in
            BatchSource(rows: rows, normalization: data.normalization,
                        binarization: configuration.binarize
                            ? CounterBernoulli(seed: configuration.seed, stream: BinarizationStream.test) : nil)
        }
    }

    /// Per-sample loss terms over the test set (see ``Evaluator``); nil
    /// without one.
    func evaluateTestSet() throws(TrainingError) -> LossTerms? {
        guard let testSource else { return nil }
        return try Evaluator(model: evaluationModel, objective: configuration.objective, seed: configuration.seed,
                             communicator: communicator, watched: (watchdog, progress.step)).lossTerms(on: testSource)
    }

    /// Rank 0: `samples.png` (64 decodes of fixed z ~ N(0, I), so successive
    /// epochs show the same codes improving) and `recon.png` (the first 32
    /// test images above their reconstructions; training images when the run
    /// has no test set). Vector data has no pictures.
    func writeImages() throws(TrainingError) {
        let pictures = ModelPictures(model: evaluationModel, seed: configuration.seed, shape: data.shape,
                                     normalization: data.normalization, reconstruction: configuration.objective.reconstruction)
        guard pictures.hasImages else { return }
        let shown = testSource ?? BatchSource(rows: data.train, normalization: data.normalization)
        let samples = pictures.samples(count: 64), reconstructions = pictures.reconstructions(of: shown, count: 32)
        try samples.write(to: "\(configuration.outputDirectory)/samples.png")
        try reconstructions.write(to: "\(configuration.outputDirectory)/recon.png")
        try events?.logImage("samples", samples, step: progress.step)
        try events?.logImage("reconstructions", reconstructions, step: progress.step)
    }
}
