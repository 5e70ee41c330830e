import MPI
import SystemIO
import TensorBoard
import RunDirectory
import TrainingCore
import Evaluation

/// Rank 0's TensorBoard view of a run, in `OUT/tensorboard/`: per-step
/// scalars every `--log-every` steps, per-epoch test scalars, and the epoch's
/// sample and reconstruction grids as images.
///
/// A resumed run opens a new event file whose session start is the first
/// step after its checkpoint, so TensorBoard drops what the interrupted run
/// logged after that checkpoint instead of showing those steps twice.
final class TrainingEvents {
    private let writer: EventFileWriter
    private var lastStepTime = MPIEnvironment.wallTime
    private var lastStep: Int

    /// Starts the event file of a run that continues from `step` (0: a fresh run).
    init(directory: String, step: Int) throws(TrainingError) {
        do {
            writer = try EventFileWriter(directory: directory, firstStep: step == 0 ? 0 : step + 1)
        } catch {
            throw .tensorBoard(error.description)
        }
        lastStep = step
    }

    /// The step's scalars: its per-sample loss terms (all ranks), learning
    /// rate, β, pre-clipping gradient norm, throughput since the last call,
    /// and the share of that time spent in the synchronizer's collectives.
    func logStep(_ record: StepRecord, samplesPerStep: Int, collectiveSeconds: Double) throws(TrainingError) {
        let now = MPIEnvironment.wallTime
        let elapsed = max(now - lastStepTime, 1e-9)
        let steps = Double(max(record.step - lastStep, 1))
        let samples = Double(samplesPerStep)
        try self.record([
            "train/loss": record.terms.loss / samples, "train/recon": record.terms.reconstruction / samples,
            "train/kl": record.terms.kl / samples, "train/neg_elbo": (record.terms.reconstruction + record.terms.kl) / samples,
            "lr": record.learningRate, "beta": Double(record.beta),
            "samples_per_sec": steps * samples / elapsed, "allreduce_share": min(collectiveSeconds / elapsed, 1),
        ], step: record.step)
        if let norm = record.gradientNorm { try self.record(["grad_norm": norm], step: record.step) }
        lastStepTime = now
        lastStep = record.step
    }

    /// The epoch's figures: train means, and the test set's when there is one.
    func logEpoch(_ metrics: EpochMetrics) throws(TrainingError) {
        try record(["epoch/train_loss": metrics.train.loss, "epoch/train_neg_elbo": metrics.train.reconstruction + metrics.train.kl,
                    "epoch/grad_norm": metrics.gradientNorm], step: metrics.step)
        if let test = metrics.test {
            try record(["test/loss": test.loss, "test/recon": test.reconstruction, "test/kl": test.kl,
                        "test/neg_elbo": test.reconstruction + test.kl], step: metrics.step)
        }
    }

    /// A grid image (PNG-encoded, as TensorBoard expects).
    func logImage(_ tag: String, _ image: GridImage, step: Int) throws(TrainingError) {
        let png: [UInt8]
        do {
            png = try image.pngData()
        } catch {
            throw .tensorBoard("\(tag): cannot encode the image: \(error)")
        }
        do {
            try writer.addImage(tag: tag, png: png, width: image.width, height: image.height, channels: image.channels, step: step)
        } catch {
            throw .tensorBoard(error.description)
        }
    }

    func flush() throws(TrainingError) {
        do {
            try writer.flush()
        } catch {
            throw .tensorBoard(error.description)
        }
    }

    func close() throws(TrainingError) {
        do {
            try writer.close()
        } catch {
            throw .tensorBoard(error.description)
        }
    }

    private func record(_ values: KeyValuePairs<String, Double>, step: Int) throws(TrainingError) {
        do {
            try writer.addScalars(values, step: step)
        } catch {
            throw .tensorBoard(error.description)
        }
    }
}
