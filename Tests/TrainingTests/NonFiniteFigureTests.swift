import Testing
@testable import Checkpoints
@testable import Training

/// A figure that is not a finite number (a diverged run's held-out loss) may
/// never make a checkpoint unreadable.
@Suite struct NonFiniteFigureTests {
    /// A NaN or infinite best is written as none, so the file loads.
    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func aNonFiniteBestIsWrittenAsNoneAndLoads(best: Double) throws {
        var checkpoint = sampleCheckpoint()
        checkpoint.progress.bestTestLoss = best
        checkpoint.lastMetrics["test_loss"] = best
        let file = checkpoint.encoded()
        let contents = try SafeTensors.decode(file)
        #expect(contents.metadata["best_test_loss"] == "none")
        let decoded = try Checkpoint.decode(file, path: "c")
        #expect(decoded.progress.bestTestLoss == nil)
        #expect(decoded.lastMetrics["test_loss"].map { $0.isNaN || $0.isInfinite } == true, "display figures keep what they were")
    }

    /// vae-dist 0.9.0 wrote `best_test_loss "nan"` (and "inf") into every
    /// checkpoint of a run whose held-out loss was NaN: those files load,
    /// with no best, rather than being refused.
    @Test(arguments: ["nan", "inf", "-inf"])
    func filesThatRecordedANonFiniteBestLoad(text: String) throws {
        var checkpoint = sampleCheckpoint()
        checkpoint.progress.bestTestLoss = 12.5
        let file = try forged(checkpoint.encoded()) { $0["best_test_loss"] = text }
        let decoded = try Checkpoint.decode(file, path: "c")
        #expect(decoded.progress.bestTestLoss == nil)
    }

    /// Other non-finite spellings are still damage, refused in one line.
    @Test func otherNonFiniteTextIsStillRefused() throws {
        let file = try forged(sampleCheckpoint().encoded()) { $0["best_test_loss"] = "1e999" }
        let error = checkpointError { _ = try Checkpoint.decode(file, path: "c") }
        #expect(error?.description.contains("best_test_loss") == true, "\(String(describing: error))")
    }
}
