import ArgumentParser
import Dataset
import Foundation
import SystemIO
import Training
import TrainingCore
import Evaluation

struct Eval: ParsableCommand, FlagSpellings {
    static let configuration = CommandConfiguration(
        abstract: "Negative ELBO, reconstruction, KL and the importance-weighted bound on the test set, sharded over the job's ranks.",
        discussion: """
            Rank 0 shows its progress on standard error. Exit status: 0 done, 1 a run-time error, 64 bad usage, \
            128 + the signal (130 SIGINT, 143 SIGTERM) when interrupted; nothing is printed then.
            """)
    static let flagNames = ["importanceSamples": "--iw"]
    /// More draws per image than this no longer move the bound visibly, and cost minutes per image.
    static let importanceSampleLimit = 100_000

    @OptionGroup var input: CheckpointArgument
    @OptionGroup var data: DataOption
    @OptionGroup var rows: RowsOption
    @Option(name: .customLong("iw"), help: "Importance samples K per image for the IWAE bound (0: skip; 5000 is the literature's standard).")
    var importanceSamples: Int = 1000
    @Flag(help: "One JSON object instead of the table.") var json = false

    func validate() throws {
        guard (0...Self.importanceSampleLimit).contains(importanceSamples) else {
            throw ValidationError("--iw must be between 0 and \(Self.importanceSampleLimit) (got \(importanceSamples))")
        }
    }

    func run() {
        // Everything that can fail runs in setup, where every failure is agreed
        // (the evaluation's collectives, and its stop checks, are on every rank).
        withMPI(verbose: false) { world, _ throws(TrainingError) in
            try FlagAgreement.require(command: "eval", settings, communicator: world)
            let display = world.isRoot ? EvaluationProgressDisplay(terminal: Terminal.isInteractive) : nil
            return try evaluateCheckpoint(at: input.checkpoint, data: data.data, holdout: rows.holdout, holdoutSeed: rows.holdoutSeed,
                                          importanceSamples: importanceSamples, communicator: world, progress: display)
        } work: { report throws(TrainingError) in
            guard LaunchEnvironment.isFirstRank else { return }
            if json {
                var fields: [String: Any] = [
                    "checkpoint": report.checkpoint, "architecture": report.architecture.description, "step": report.step,
                    "test_images": report.images, "world_size": report.worldSize, "neg_elbo": report.terms.loss,
                    "recon": report.terms.reconstruction, "kl": report.terms.kl, "iw_samples": report.importanceSamples,
                    "meaning": report.meaning.rawValue, "rows": report.rows,
                ]
                if let bound = report.importanceBound { fields["iwae_nll"] = bound }
                print(try JSONOutput.line(fields))
                return
            }
            print("""
                \(report.checkpoint): \(report.architecture) VAE at step \(report.step), \(report.rows), \(report.worldSize) rank(s)
                  negative ELBO          \(String(format: "%9.3f", report.terms.loss)) nats per sample  (\(report.meaning.explanation))
                    reconstruction       \(String(format: "%9.3f", report.terms.reconstruction))
                    KL                   \(String(format: "%9.3f", report.terms.kl))
                """)
            if let bound = report.importanceBound {
                print("  IWAE bound, K=\(pad(String(report.importanceSamples), 8)) \(String(format: "%9.3f", bound))  (\(report.meaning.explanation))")
            }
        }
    }
}
