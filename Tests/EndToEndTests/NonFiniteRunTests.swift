import Foundation
import Testing
import TestSupport
@testable import Training
@testable import Checkpoints
@testable import RunDirectory

extension ProcessTests {
    /// Runs that diverge (a learning rate far too large, a loss beyond any
    /// integer): the figures they produce are reported as what they are, and
    /// never make a checkpoint unreadable or a command trap or print nothing.
    @Suite struct NonFiniteRunTests {
        let directory: URL

        init() throws {
            directory = try TemporaryDirectory.make(prefix: "non-finite")
        }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        /// `rows` × 8 uniform values in [0, scale), float32, NumPy's seed 1.
        func uniformData(rows: Int, scale: Double) -> String {
            python("""
                import numpy as np, sys
                rng = np.random.default_rng(1)
                np.save(sys.argv[1], (rng.random((int(sys.argv[2]), 8)) * float(sys.argv[3])).astype(np.float32))
                """, [path("d.npy"), String(rows), String(scale)])
            return path("d.npy")
        }

        /// Issue 20, item 1: `--lr 10` makes the held-out loss NaN from the
        /// first epoch. No checkpoint may record NaN as the best: every file
        /// the run wrote loads with `inspect`, `eval`, `export` and
        /// `--resume auto`, and the NaN is said as NaN.
        @Test func aNaNHeldOutLossNeverPoisonsACheckpoint() throws {
            let data = uniformData(rows: 1024, scale: 1)
            let out = path("run")
            let result = Command.run(["train", "--data", data, "--holdout", "0.25", "--patience", "3", "--lr", "10",
                                      "--max-bad-steps", "1000", "--epochs", "1", "--images-every", "0", "--out", out])
            expectSuccess(result)
            #expect(result.combined.contains("test loss nan"), "\(result.combined)")
            #expect(result.combined.contains("the held-out loss is nan (not a finite number); not an improvement"), "\(result.combined)")
            #expect(!FileManager.default.fileExists(atPath: out + "/best.safetensors"), "NaN is never the best")
            let checkpoint = out + "/checkpoint-000000006.safetensors"
            let loaded = try CheckpointDirectory.load(checkpoint)
            #expect(loaded.progress.bestTestLoss == nil)

            expectSuccess(Command.run(["inspect", checkpoint]))
            expectSuccess(Command.run(["export", checkpoint, "--out", path("model.safetensors")]))
            let evaluated = Command.run(["eval", checkpoint, "--data", data, "--iw", "0"])
            #expect(evaluated.status == 0 && !evaluated.error.contains("not a finite number"), "\(evaluated.combined)")
            let resumed = Command.run(["train", "--data", data, "--holdout", "0.25", "--patience", "3", "--lr", "10",
                                       "--max-bad-steps", "1000", "--epochs", "2", "--images-every", "0", "--out", out,
                                       "--resume", "auto"])
            #expect(!resumed.combined.contains("metadata field") && !resumed.combined.contains("skipping checkpoint"), "\(resumed.combined)")
            #expect(resumed.combined.contains("resuming from \(checkpoint)"), "\(resumed.combined)")
            #expect(!resumed.timedOut && resumed.status != 64)
            #expect(try CheckpointDirectory.load(out + "/checkpoint-000000012.safetensors").progress.step == 12,
                    "the resumed run wrote its epoch's checkpoint, which loads")
        }

        /// Issue 20, item 9: `inspect --json` of a checkpoint whose metrics
        /// are NaN, and `eval --json` of a model whose figures are NaN, print
        /// one JSON object with null for each non-finite number.
        @Test func jsonOutputIsNeverEmptyAndNonFiniteNumbersAreNull() throws {
            let data = uniformData(rows: 1024, scale: 1)
            let out = path("run")
            expectSuccess(Command.run(["train", "--data", data, "--holdout", "0.25", "--lr", "10", "--max-bad-steps", "1000",
                                       "--epochs", "1", "--images-every", "0", "--out", out]))
            let checkpoint = out + "/checkpoint-000000006.safetensors"
            #expect(try CheckpointDirectory.load(checkpoint).lastMetrics["test_loss"]?.isNaN == true)

            let inspected = Command.run(["inspect", checkpoint, "--json"])
            expectSuccess(inspected)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(inspected.output.utf8)) as? [String: Any],
                                      "inspect --json printed: \(inspected.combined)")
            let metrics = try #require(object["metrics"] as? [String: Any])
            #expect(metrics["test_loss"] is NSNull, "\(metrics)")
            #expect(object["step"] as? Int == 6)

            let evaluated = Command.run(["eval", checkpoint, "--data", data, "--iw", "0", "--json"])
            expectSuccess(evaluated)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(evaluated.output.utf8)) as? [String: Any],
                                      "eval --json printed: \(evaluated.combined)")
            #expect(report["neg_elbo"] is NSNull, "the model's ELBO is NaN, written as null: \(report)")
            #expect(report["step"] as? Int == 6)
        }

        /// Issue 20, item 5: a Gaussian run whose loss grows beyond Int.max
        /// (yet stays finite) prints it instead of trapping in the epoch
        /// summary, and writes its checkpoints.
        @Test func aLossBeyondAnyIntegerIsPrintedNotTrappedOn() throws {
            let data = uniformData(rows: 256, scale: 150)
            let out = path("run")
            let result = Command.run(["train", "--data", data, "--recon", "gaussian", "--holdout", "0.25", "--batch-size", "32",
                                      "--max-bad-steps", "1000", "--epochs", "1", "--images-every", "1", "--out", out])
            #expect(!result.combined.contains("Fatal error") && !result.combined.contains("cannot be converted"), "\(result.combined)")
            expectSuccess(result)
            #expect(result.combined.contains("e+"), "the huge loss in exponent form: \(result.combined)")
            #expect(try CheckpointDirectory.load(out + "/checkpoint-000000006.safetensors").progress.step == 6)
        }

        /// Issue 20, item 10: an epoch that skipped every step says so (no
        /// "train loss 0.00"; null in metrics.jsonl), and a run whose last
        /// epoch skipped every step exits 1 saying why; an earlier such epoch
        /// is warned about, and the run goes on.
        @Test func anEpochThatSkippedEveryStepSaysSo() throws {
            let last = try SmallRun()
            let result = last.train(ranks: 0, ["--epochs", "2", "--max-bad-steps", "100"],
                                    environment: ["VAE_DIST_TEST_FAULT": "nan:0:8:8"])
            #expect(result.status == 1, "\(result.combined)")
            #expect(!result.combined.contains("train loss 0.00"), "\(result.combined)")
            #expect(result.combined.contains("train loss - (every step skipped)"), "\(result.combined)")
            #expect(result.combined.contains("epoch 2: every one of its 8 steps had non-finite loss or gradients"), "\(result.combined)")
            #expect(result.error.contains("epoch 2, the last of this run, skipped every one of its 8 steps"), "\(result.error)")
            let lines = try last.metricsLines()
            #expect(lines.count == 2 && lines[1]["train_loss"] is NSNull, "\(lines)")
            #expect(try last.checkpoint(step: 16).parameters.array == last.checkpoint(step: 8).parameters.array)

            let first = try SmallRun(data: last.data)
            let recovered = first.train(ranks: 0, ["--epochs", "2", "--max-bad-steps", "100"],
                                        environment: ["VAE_DIST_TEST_FAULT": "nan:0:0:8"])
            expectSuccess(recovered)
            #expect(recovered.combined.contains("epoch 1: every one of its 8 steps had non-finite loss or gradients"), "\(recovered.combined)")
            #expect(try first.metricsLines().first?["train_loss"] is NSNull)
        }

        /// Issue 20, item 11: `launch/local.sh N SUBCOMMAND ...` runs every
        /// subcommand, not `train SUBCOMMAND ...`; flags alone still train.
        @Test func theLocalLauncherRunsEverySubcommand() throws {
            let run = try SmallRun()
            expectSuccess(run.train(ranks: 2, ["--max-steps", "2"]))
            let checkpoint = run.out.path + "/" + run.checkpointName(step: 2)
            let script = LauncherStopTests.localScript
            let environment = ["VAE_DIST": Command.binary]
            func local(_ arguments: [String]) -> CommandResult {
                Command.execute("/bin/bash", [script, "2"] + arguments, timeout: 120, environment: environment)
            }
            let latents = path("z.npy")
            let encoded = local(["encode", checkpoint, "--data", run.data.path, "--out", latents])
            expectSuccess(encoded)
            #expect(FileManager.default.fileExists(atPath: latents), "\(encoded.combined)")
            let evaluated = local(["eval", checkpoint, "--data", run.data.path, "--iw", "0", "--json"])
            expectSuccess(evaluated)
            #expect(evaluated.output.contains("\"neg_elbo\""), "\(evaluated.combined)")
            expectSuccess(local(["check-mpi"]))
            let trained = local(Array(run.arguments(["--max-steps", "3", "--resume", "auto"]).dropFirst()))
            expectSuccess(trained)
            let unknown = local(["no-such-command"])
            #expect(unknown.status == 64 && unknown.error.contains("no-such-command"), "\(unknown.combined)")
        }
    }
}
