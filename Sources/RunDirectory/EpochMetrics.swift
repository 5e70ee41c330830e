import Foundation
import SystemIO
import VAE

/// One epoch's figures, as printed and as one line of `metrics.jsonl`.
/// Losses are per sample, reduced over all ranks.
public struct EpochMetrics: Sendable {
    public var epoch: Int
    public var step: Int
    public var worldSize: Int
    /// The synchronization strategy that ran (``GradientSynchronizer/name``).
    public var gradientSync: String
    public var train: LossTerms
    /// Nil when the run has no test set (`metrics.jsonl` says null).
    public var test: LossTerms?
    public var samplesPerSecond: Double
    public var epochSeconds: Double
    /// Seconds in the epoch's training steps (no evaluation, images or checkpoint).
    public var trainSeconds: Double
    /// Of ``trainSeconds`` on rank 0: inside GEMMs, and inside (or waiting in)
    /// the synchronizer's collectives.
    public var gemmSeconds: Double
    public var allreduceSeconds: Double
    public var skippedSteps: Int
    /// The mean pre-clipping global gradient norm of the epoch's applied steps.
    public var gradientNorm: Double = 0
    /// The learning rate and β of the epoch's last step (schedules move them).
    public var learningRate: Double = 0
    public var beta: Double = 0
    /// When the line was written.
    public var time = Date()
    /// The largest peak resident set size of any rank, in MiB.
    public var peakResidentMegabytes: Double

    package init(epoch: Int, step: Int, worldSize: Int, gradientSync: String, train: LossTerms, test: LossTerms?,
                 samplesPerSecond: Double, epochSeconds: Double, trainSeconds: Double, gemmSeconds: Double,
                 allreduceSeconds: Double, skippedSteps: Int, gradientNorm: Double = 0, learningRate: Double = 0,
                 beta: Double = 0, time: Date = Date(), peakResidentMegabytes: Double) {
        self.epoch = epoch
        self.step = step
        self.worldSize = worldSize
        self.gradientSync = gradientSync
        self.train = train
        self.test = test
        self.samplesPerSecond = samplesPerSecond
        self.epochSeconds = epochSeconds
        self.trainSeconds = trainSeconds
        self.gemmSeconds = gemmSeconds
        self.allreduceSeconds = allreduceSeconds
        self.skippedSteps = skippedSteps
        self.gradientNorm = gradientNorm
        self.learningRate = learningRate
        self.beta = beta
        self.time = time
        self.peakResidentMegabytes = peakResidentMegabytes
    }

    /// One JSON object with the documented keys (non-finite numbers as null).
    public var jsonLine: String {
        let fields: [(String, String)] = [
            ("epoch", String(epoch)), ("step", String(step)), ("world_size", String(worldSize)),
            ("gradient_sync", "\"\(gradientSync)\""),
            ("train_loss", json(train.loss)), ("train_recon", json(train.reconstruction)), ("train_kl", json(train.kl)),
            ("test_loss", json(test?.loss)), ("test_recon", json(test?.reconstruction)), ("test_kl", json(test?.kl)),
            ("train_neg_elbo", json(train.reconstruction + train.kl)),
            ("test_neg_elbo", json(test.map { $0.reconstruction + $0.kl })),
            ("lr", json(learningRate)), ("beta", json(beta)), ("grad_norm", json(gradientNorm)),
            ("time", "\"\(Self.timestamp(time))\""),
            ("samples_per_sec", json(samplesPerSecond)), ("epoch_seconds", json(epochSeconds)),
            ("train_seconds", json(trainSeconds)), ("gemm_seconds", json(gemmSeconds)),
            ("allreduce_seconds", json(allreduceSeconds)), ("skipped_steps", String(skippedSteps)),
            ("peak_rss_mb", json(peakResidentMegabytes)),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    /// ISO 8601 in UTC with milliseconds, as log lines and `metrics.jsonl` write times.
    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// The metrics a checkpoint keeps for `inspect` (deterministic ones only).
    package var checkpointSummary: [String: Double] {
        var summary = ["train_loss": train.loss, "train_recon": train.reconstruction, "train_kl": train.kl]
        if let test {
            summary["test_loss"] = test.loss
            summary["test_recon"] = test.reconstruction
            summary["test_kl"] = test.kl
        }
        return summary
    }

    private func json(_ value: Double?) -> String { value.map { $0.isFinite ? String($0) : "null" } ?? "null" }
}
