import Foundation
import Testing
import TestSupport
@testable import Training
@testable import RunDirectory

extension ProcessTests {
    /// Schedules, KL warm-up, clipping and early stopping, distributed and
    /// across a resume.
    @Suite struct ControlTests {
        /// Adam's first moment after one step is 0.1·g, so the clipped run's
        /// is the unclipped one's scaled by limit / (‖g‖ + 1e-6), with ‖g‖
        /// the unclipped global norm: clipping worked out by hand.
        @Test func clippingScalesTheSummedGradientByTheGlobalNorm() throws {
            let data = try SyntheticDataset()
            let plain = try SmallRun(data: data), clipped = try SmallRun(data: data)
            expectSuccess(plain.train(ranks: 2, ["--max-steps", "1"]))
            expectSuccess(clipped.train(ranks: 2, ["--max-steps", "1", "--clip-grad-norm", "0.5"]))
            let m = try plain.checkpoint(step: 1).firstMoment.array.map(Double.init)
            let clippedM = try clipped.checkpoint(step: 1).firstMoment.array.map(Double.init)
            let norm = m.map { $0 * $0 }.reduce(0, +).squareRoot() / 0.1
            #expect(norm > 0.5, "the test needs a gradient above the limit (norm \(norm))")
            let factor = 0.5 / (norm + 1e-6)
            for (a, b) in zip(m, clippedM) {
                #expect(abs(a * factor - b) <= 1e-5 * abs(a * factor) + 1e-9, "clipped moment \(b), expected \(a * factor)")
            }
        }

        /// The same value on every rank and in every mode: sharded needs one
        /// scalar allreduce, allreduce none; np = 2 matches np = 1; and the
        /// deterministic mode stays bitwise across rank counts.
        @Test func clippingAgreesAcrossSyncModesRankCountsAndDeterministicMode() throws {
            let data = try SyntheticDataset()
            let arguments = ["--max-steps", "12", "--epochs", "3", "--clip-grad-norm", "2", "--lr-schedule", "cosine",
                             "--kl-warmup", "6", "--warmup-steps", "3"]
            let single = try SmallRun(data: data)
            expectSuccess(single.train(ranks: 0, arguments))
            let reference = try single.checkpoint(step: 12).parameters.array
            for sync in ["sharded", "allreduce"] {
                let run = try SmallRun(data: data)
                expectSuccess(run.train(ranks: 2, arguments + ["--gradient-sync", sync]))
                let difference = relativeDifference(reference, try run.checkpoint(step: 12).parameters.array)
                #expect(difference <= 1e-4, "\(sync): differs from np=1 by \(difference)")
            }
            var bits = [[UInt32]]()
            for ranks in [1, 2, 4] {
                let run = try SmallRun(data: data)
                let result = run.train(ranks: ranks, arguments + ["--deterministic", "4"])
                expectSuccess(result)
                #expect(result.combined.contains("Adam is not sharded") == (ranks > 1), "the default sharded sync is not silently dropped:\n\(result.combined)")
                bits.append(try run.checkpoint(step: 12).parameters.array.map(\.bitPattern))
            }
            #expect(bits[0] == bits[1] && bits[0] == bits[2], "deterministic with clipping differs across rank counts")
        }

        /// Every control across a resume: a run stopped at step 10 and resumed
        /// writes the uninterrupted run's bytes (schedule, warm-ups, clipping,
        /// early-stopping state and best.safetensors included).
        @Test func everyControlResumesByteIdentically() throws {
            let data = try SyntheticDataset()
            let arguments = ["--epochs", "3", "--clip-grad-norm", "3", "--lr-schedule", "cosine", "--warmup-steps", "4",
                             "--kl-warmup", "10", "--patience", "5", "--lr-min", "1e-4"]
            let straight = try SmallRun(data: data), resumed = try SmallRun(data: data)
            expectSuccess(straight.train(ranks: 2, arguments))
            let stopped = resumed.train(ranks: 2, arguments + ["--max-steps", "10"])
            expectSuccess(stopped)
            #expect(stopped.combined.contains("reached --max-steps 10 in epoch 2 (step 2 of 8); wrote \(resumed.out.path)/checkpoint-000000010.safetensors"),
                    "a run ended by --max-steps mid-epoch says where it stopped:\n\(stopped.combined)")
            expectSuccess(resumed.train(ranks: 2, arguments + ["--resume", "auto"]))
            #expect(try straight.checkpointBytes(step: 24) == resumed.checkpointBytes(step: 24))
            let best = { (run: SmallRun) in try Data(contentsOf: run.out.appendingPathComponent("best.safetensors")) }
            #expect(try best(straight) == best(resumed))
            let lines = try straight.metricsLines()
            #expect(lines.first?["beta"] as? Double == Double(Float(0.7)), "β of epoch 1's last step: step index 7 of a 10-step warm-up")
            #expect(lines.allSatisfy { ($0["grad_norm"] as? Double ?? 0) > 0 && $0["lr"] is Double && $0["time"] is String })
            let checkpoint = try straight.checkpoint(step: 24)
            #expect(checkpoint.schedule.shape == .cosine && checkpoint.schedule.horizon == 24 && checkpoint.clipGradNorm == 3)
        }

        /// A learning rate far below Float's resolution leaves the model as
        /// it is, so the held-out loss never improves after epoch 1: with
        /// --patience 2 the run stops after epoch 3, and stays stopped.
        @Test func earlyStoppingStopsAtTheExpectedEpochAndStaysStopped() throws {
            let run = try SmallRun()
            let arguments = ["--epochs", "10", "--lr", "1e-30", "--patience", "2"]
            let result = run.train(ranks: 2, arguments)
            expectSuccess(result)
            #expect(result.combined.contains("early stop after epoch 3"), "\(result.combined)")
            let lines = try run.metricsLines()
            #expect(lines.count == 3)
            let best = try CheckpointDirectory.load(run.out.appendingPathComponent("best.safetensors").path)
            #expect(best.progress.step == 8, "the best is epoch 1's model (no later epoch was lower)")
            let again = run.train(ranks: 2, arguments + ["--resume", "auto"])
            expectSuccess(again)
            #expect(again.combined.contains("this run stopped early"), "\(again.combined)")
            #expect(try run.metricsLines().count == 3, "nothing more was trained")
        }

        /// best.safetensors is the checkpoint of the lowest held-out loss.
        @Test func bestIsTheLowestHeldOutLoss() throws {
            let run = try SmallRun()
            expectSuccess(run.train(ranks: 2, ["--epochs", "4", "--patience", "10", "--lr", "0.01"]))
            let lines = try run.metricsLines()
            let losses = lines.compactMap { $0["test_neg_elbo"] as? Double }
            let bestEpoch = try #require(losses.indices.min { losses[$0] < losses[$1] })
            let best = try CheckpointDirectory.load(run.out.appendingPathComponent("best.safetensors").path)
            #expect(best.progress.step == (bestEpoch + 1) * 8, "best at step \(best.progress.step), lowest loss at epoch \(bestEpoch + 1)")
        }

        @Test func patienceWithoutATestSetIsRefused() throws {
            let directory = try TemporaryDirectory.make(prefix: "no-test")
            python("import numpy as np, sys; np.save(sys.argv[1], np.random.default_rng(0).random((64, 5)).astype(np.float32))",
                   [directory.path + "/x.npy"])
            let result = Command.mpirun(2, ["train", "--data", directory.path + "/x.npy", "--out", directory.path + "/run",
                                            "--patience", "3", "--batch-size", "8"])
            #expect(result.status == 1)
            let lines = result.error.split(separator: "\n").filter { $0.contains("error") }
            #expect(lines.count == 1 && lines.first?.contains("--patience watches the held-out loss: it needs a test set") == true,
                    "\(result.error)")
        }
    }
}

extension ProcessTests {
    /// The TensorBoard files a run writes, read by TensorBoard's own loader
    /// (a pinned `tensorboard` in a venv): tags, steps and values agree with
    /// metrics.jsonl, the images decode, and a run stopped by a signal and
    /// resumed shows every step once.
    @Suite struct TensorBoardOutputTests {
        @Test func tensorBoardReadsTheCurvesAndImagesOfAResumedRun() throws {
            let run = try SmallRun()
            let arguments = ["--epochs", "3", "--log-every", "2", "--images-every", "1"]
            let stopped = run.train(ranks: 2, arguments, environment: ["VAE_DIST_TEST_FAULT": "signal:1:13:15"])
            #expect(stopped.status == 75, "\(stopped.combined)")
            expectSuccess(run.train(ranks: 2, arguments + ["--resume", "auto"]))
            let reading = try TensorBoardLoader.read(run.out.appendingPathComponent("tensorboard").path)
            for view in [reading.plugin, reading.classic] {
                let steps = (view.scalars["train/loss"] ?? []).map(\.step)
                #expect(steps == Array(stride(from: 2, through: 24, by: 2)), "each logged step once: \(steps)")
                for tag in ["train/recon", "train/kl", "train/neg_elbo", "lr", "beta", "grad_norm", "samples_per_sec", "allreduce_share"] {
                    #expect(view.scalars[tag]?.count == 12, "\(tag): \(view.scalars[tag]?.count ?? 0) points")
                }
                let test = view.scalars["test/loss"] ?? []
                let lines = try run.metricsLines()
                #expect(test.map(\.step) == lines.compactMap { $0["step"] as? Int })
                for (point, line) in zip(test, lines) {
                    let expected = try #require(line["test_loss"] as? Double)
                    #expect(abs(point.value - expected) <= 1e-5 * abs(expected), "test/loss at \(point.step): \(point.value) vs \(expected)")
                }
                let images = view.images["samples"] ?? []
                #expect(images.map(\.step) == [8, 16, 24])
                #expect(images.allSatisfy { $0.decoded.count >= 2 && $0.decoded[0] == $0.width && $0.decoded[1] == $0.height },
                        "\(images)")
            }
        }
    }
}

extension ProcessTests {
    /// OUT/config.json records every setting; `--config` replays it, flags
    /// overriding; a resume with other settings says what changed.
    @Suite struct RunRecordTests {
        @Test func configJSONRecordsTheRunAndReplaysIt() throws {
            let run = try SmallRun()
            expectSuccess(run.train(ranks: 2, ["--max-steps", "3", "--lr", "0.002", "--kl-warmup", "5"]))
            let path = run.out.appendingPathComponent("config.json").path
            let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
            let settings = try #require(object["settings"] as? [String: Any])
            #expect(object["world_size"] as? Int == 2 && object["vae_dist_version"] is String && object["data_digest"] is String)
            #expect(settings["lr"] as? String == "0.002" && settings["kl-warmup"] as? String == "5")
            #expect(settings["epochs"] as? String == "10", "defaults are recorded too")
            #expect(settings["resume"] == nil, "how a run was launched is not a setting")

            // Replayed into another directory, with one flag overridden.
            let replay = try SmallRun(data: run.data)
            let result = Command.mpirun(2, ["train", "--config", path, "--out", replay.out.path, "--max-steps", "2"])
            expectSuccess(result)
            let checkpoint = try replay.checkpoint(step: 2)
            #expect(checkpoint.learningRate == 0.002 && checkpoint.schedule.klWarmupSteps == 5)

            // A resume with another --lr keeps config.json and records the change.
            let resumed = run.train(ranks: 2, ["--max-steps", "4", "--lr", "0.001", "--kl-warmup", "5", "--resume", "auto"])
            expectSuccess(resumed)
            #expect(resumed.combined.contains("--lr 0.002 -> 0.001"), "\(resumed.combined)")
            #expect(FileManager.default.fileExists(atPath: run.out.appendingPathComponent("config-resumed-at-3.json").path))

            // A damaged config.json is kept aside, said once, and written anew.
            let damaged = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(50)
            try damaged.write(to: URL(fileURLWithPath: path))
            let afterDamage = run.train(ranks: 2, ["--max-steps", "5", "--lr", "0.001", "--kl-warmup", "5", "--resume", "auto"])
            expectSuccess(afterDamage)
            #expect(afterDamage.combined.contains("\(run.out.path)/config.json was damaged (not a vae-dist run record); kept it as \(path).damaged"),
                    "\(afterDamage.combined)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path + ".damaged")) == damaged)
            let rewritten = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
            #expect((rewritten?["settings"] as? [String: Any])?["lr"] as? String == "0.001")

            let bad = Command.run(["train", "--config", run.out.appendingPathComponent("metrics.jsonl").path])
            #expect(bad.status == 64 && bad.error.contains("--config") && bad.error.split(separator: "\n").count == 1, "\(bad.error)")

            // A bad value in the file is named as the file's; the same value on
            // the command line is not.
            let edited = run.out.appendingPathComponent("edited.json")
            try Data(#"{"settings": {"lr": "fast", "epochs": "2"}}"#.utf8).write(to: edited)
            let badValue = Command.run(["train", "--config", edited.path, "--out", replay.out.path])
            #expect(badValue.status == 64 && badValue.error.contains("--config \(edited.path): The value 'fast' is invalid for '--lr"),
                    "\(badValue.error)")
            try Data(#"{"settings": {"epochs": "2"}}"#.utf8).write(to: edited)
            let ownValue = Command.run(["train", "--config", edited.path, "--lr", "fast", "--out", replay.out.path])
            #expect(ownValue.status == 64 && !ownValue.error.contains("--config") && ownValue.error.contains("'fast'"), "\(ownValue.error)")

            // Values of the wrong kind, keys that are no setting, and settings
            // that would be dropped: each refused in one line naming the file.
            for (json, fragment) in [
                (#"{"max-steps": true}"#, #""max-steps" takes a value, not true"#),
                (#"{"overlap": "no"}"#, #""overlap" is on or off: its value must be true or false (got "no")"#),
                (#"{"binarize": 0}"#, #""binarize" is on or off: its value must be true or false (got 0)"#),
                (#"{"help": true}"#, #""help" is not a setting of vae-dist train"#),
                (#"{"config": "other.json"}"#, #""config" is not a setting of vae-dist train"#),
                (#"{"settings": {"lr": "0.2"}, "lr": "0.3"}"#, #""lr" stands outside "settings""#),
            ] {
                try Data(json.utf8).write(to: edited)
                let refused = Command.run(["train", "--config", edited.path, "--max-steps", "1", "--out", replay.out.path])
                #expect(refused.status == 64 && refused.error.split(separator: "\n").count == 1
                        && refused.error.contains("--config \(edited.path): \(fragment)"), "\(json): \(refused.error)")
            }
            let twice = Command.run(["train", "--config", path, "--config", edited.path, "--out", replay.out.path])
            #expect(twice.status == 64 && twice.error.contains("--config is given twice"), "\(twice.error)")
        }

        @Test func versionAndExitStatusesAreInTheHelp() {
            let version = Command.run(["--version"])
            #expect(version.status == 0 && version.output.trimmingCharacters(in: .whitespacesAndNewlines) == VAEDistVersion.expected)
            let help = Command.run(["train", "--help"])
            #expect(help.output.contains("75 stopped by a signal after writing a checkpoint"), "\(help.output)")
        }
    }
}

/// The version the binary must report (kept beside the CLI's own constant).
enum VAEDistVersion {
    static var expected: String {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/vae-dist/VAEDist.swift")
        let text = (try? String(contentsOf: source, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").first { $0.contains("static let version = ") }
            .flatMap { $0.split(separator: "\"").dropFirst().first.map(String.init) } ?? "unknown"
    }
}
