import Foundation
import Testing
import TestSupport
@testable import Training
@testable import Checkpoints
@testable import RunDirectory

/// A small training run on synthetic 8x8 images: 256 training samples, so
/// batch 32 gives 8 steps per epoch, divisible by 1, 2 and 4 ranks.
struct SmallRun {
    let data: SyntheticDataset
    let out: URL

    init(data: SyntheticDataset? = nil) throws {
        self.data = try data ?? SyntheticDataset()
        out = try TemporaryDirectory.make(prefix: "vae-run")
    }

    func arguments(_ extra: [String]) -> [String] {
        ["train", "--data", data.path, "--out", out.path, "--hidden", "16", "--latent", "4",
         "--batch-size", "32", "--seed", "5", "--images-every", "0"] + extra
    }

    func train(ranks: Int, _ extra: [String], environment: [String: String] = [:]) -> CommandResult {
        ranks == 0
            ? Command.run(arguments(extra), environment: environment)
            : Command.mpirun(ranks, arguments(extra), environment: environment)
    }

    func checkpoint(step: Int) throws -> Checkpoint {
        let store = CheckpointDirectory(path: out.path, keep: 1)
        return try CheckpointDirectory.load(out.path + "/" + store.fileName(step: step))
    }

    func checkpointName(step: Int) -> String {
        CheckpointDirectory(path: out.path, keep: 1).fileName(step: step)
    }

    func checkpointBytes(step: Int) throws -> Data {
        try Data(contentsOf: out.appendingPathComponent(CheckpointDirectory(path: out.path, keep: 1).fileName(step: step)))
    }

    func metricsLines() throws -> [[String: Any]] {
        let text = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }
}

/// Records the command's output when it did not end as expected.
func expectSuccess(_ result: CommandResult, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!result.timedOut, "timed out after \(Int(result.seconds)) s", sourceLocation: sourceLocation)
    #expect(result.status == 0, "exit \(result.status):\n\(result.combined)", sourceLocation: sourceLocation)
}

/// ‖a − b‖∞ / ‖a‖∞.
func relativeDifference(_ a: [Float], _ b: [Float]) -> Float {
    let scale = a.map(abs).max() ?? 1
    return zip(a, b).map { abs($0 - $1) }.max().map { $0 / max(scale, 1e-30) } ?? 0
}
