import ArgumentParser
import Foundation
import Training
import VAE
import Checkpoints
import TrainingCore

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Describe a checkpoint: model, progress, metrics, checksum.")

    @OptionGroup var input: CheckpointArgument
    @Flag(help: "One JSON object instead of the table.") var json = false

    func run() {
        runAlone("inspect") { () throws(TrainingError) in try describe(input.checkpoint) }
    }

    /// Prints the description; a checksum mismatch is shown, then fails the
    /// command (inspecting a damaged file is how one finds out).
    private func describe(_ checkpoint: String) throws(TrainingError) {
        let loaded = try loadCheckpoint(checkpoint, verifyingChecksum: false)
        let progress = loaded.progress
        var fields: [String: Any] = [
            "path": checkpoint, "format_version": loaded.fileFormatVersion, "checksum": loaded.checksumMatches ? "ok" : "mismatch",
            "architecture": loaded.architecture.description, "input_size": loaded.architecture.inputSize,
            "hidden": loaded.architecture.hidden, "latent": loaded.architecture.latent,
            "parameters": loaded.parameters.count, "reconstruction": loaded.objective.reconstruction.rawValue,
            "beta": Double(String(loaded.objective.beta)) ?? Double(loaded.objective.beta), "learning_rate": Double(String(loaded.learningRate)) ?? Double(loaded.learningRate),
            "batch_size": loaded.globalBatchSize, "accumulate": loaded.accumulate, "seed": loaded.seed,
            "world_size": loaded.worldSize, "step": progress.step, "epoch": progress.epoch,
            "steps_per_epoch": progress.stepsPerEpoch, "adam_step": loaded.adamStep, "skipped_steps": progress.skippedSteps,
        ]
        fields["metrics"] = loaded.lastMetrics
        if json {
            print(try JSONOutput.line(fields))
            try failIfDamaged(loaded, path: checkpoint)
            return
        }
        let metrics = loaded.lastMetrics.keys.sorted().map { "\($0) \(String(format: "%.3f", loaded.lastMetrics[$0] ?? 0))" }
        print("""
            checkpoint   \(checkpoint)
            format       vae-dist checkpoint v\(loaded.fileFormatVersion), \(loaded.fileFormatVersion >= 2 ? "metadata and tensor" : "tensor") checksum \(loaded.checksumMatches ? "ok" : "MISMATCH (the file is damaged)")
            model        \(loaded.architecture) VAE, \(loaded.parameters.count) parameters, recon \(loaded.objective.reconstruction.rawValue), beta \(loaded.objective.beta)
            progress     epoch \(progress.epoch) + step \(progress.stepInEpoch) of \(progress.stepsPerEpoch) (step \(progress.step)); Adam step \(loaded.adamStep), \(progress.skippedSteps) skipped
            training     \(loaded.worldSize) rank(s), batch \(loaded.globalBatchSize)\(loaded.accumulate > 1 ? " x \(loaded.accumulate) accumulated" : ""), lr \(loaded.learningRate), seed \(loaded.seed)
            metrics      \(metrics.isEmpty ? "none yet (saved before the first epoch ended)" : metrics.joined(separator: ", "))
            """)
        try failIfDamaged(loaded, path: checkpoint)
    }

    private func failIfDamaged(_ loaded: Checkpoint, path: String) throws(TrainingError) {
        if !loaded.checksumMatches {
            throw .checkpoint(.malformed(path: path, reason: "its checksum does not match its contents (the file is damaged)"))
        }
    }
}
