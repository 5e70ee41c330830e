import Foundation
import Testing
import TestSupport
@testable import Training

extension ProcessTests {
    /// Runs the built `vae-dist` the way users do, one job at a time (they share
    /// two cores), each under a timeout so a hang fails a test, not the suite.
    @Suite struct EndToEndTests {
        @Test(arguments: [1, 2, 4])
        func collectivesGiveTheRightValues(ranks: Int) {
            let result = Command.mpirun(ranks, ["check-mpi"], timeout: 60)
            expectSuccess(result)
            #expect(result.output.contains("check-mpi: all collectives correct on \(ranks) rank(s)"))
            for name in ["allreduce sum Float", "allreduce max Double", "allreduce min Int64", "allreduce sum buffer",
                         "broadcast from rank \(ranks - 1)", "broadcast buffer", "reduce sum to rank 0", "allgather",
                         "split by node (\(ranks) rank(s) on this node)", "split by color", "shared window"] {
                #expect(result.output.split(separator: "\n").contains { $0.hasPrefix(name) && $0.hasSuffix(": ok") },
                        "\(name) not reported ok:\n\(result.output)")
            }
            #expect(!result.output.contains("WRONG"))
        }

        /// N ranks × batch B/N must train the same model as 1 rank × batch B,
        /// with either gradient sync. Only the order of float sums differs
        /// (inside each rank's GEMMs and in the reduction), so after 20 Adam
        /// steps the parameters and Adam's moments (gathered from the ranks'
        /// parts when sharded) agree to ‖Δ‖∞/‖θ‖∞ ≤ 1e-4.
        @Test func dataParallelTrainingMatchesOneProcess() throws {
            let data = try SyntheticDataset()
            let reference = try SmallRun(data: data)
            expectSuccess(reference.train(ranks: 1, ["--max-steps", "20", "--epochs", "5"]))
            let single = try reference.checkpoint(step: 20)
            let singleLoss = try #require(try reference.metricsLines().last?["test_loss"] as? Double)
            #expect(relativeDifference(single.parameters.array, sampleInitialParameters(data: data)) > 1e-3,
                    "training must move the parameters")
            for ranks in [2, 4] {
                for sync in ["sharded", "allreduce"] {
                    let run = try SmallRun(data: data)
                    expectSuccess(run.train(ranks: ranks, ["--max-steps", "20", "--epochs", "5", "--gradient-sync", sync]))
                    let checkpoint = try run.checkpoint(step: 20)
                    #expect(checkpoint.worldSize == ranks)
                    for (name, a, b) in [("parameters", single.parameters, checkpoint.parameters),
                                         ("exp_avg", single.firstMoment, checkpoint.firstMoment),
                                         ("exp_avg_sq", single.secondMoment, checkpoint.secondMoment)] {
                        let difference = relativeDifference(a.array, b.array)
                        #expect(difference <= 1e-4, "np=\(ranks) \(sync): \(name) differs from np=1 by \(difference)")
                    }
                    let loss = try #require(try run.metricsLines().last?["test_loss"] as? Double)
                    #expect(abs(loss - singleLoss) <= 1e-4 * abs(singleLoss), "test loss np=\(ranks) \(sync): \(loss) vs \(singleLoss)")
                }
            }
        }

        /// --overlap only changes when the decoder's block is reduced, not what
        /// is summed: same parameters as the plain allreduce (to the data-parallel
        /// tolerance; in practice the same bits).
        @Test(arguments: [2, 4])
        func overlappedSyncTrainsTheSameModel(ranks: Int) throws {
            let data = try SyntheticDataset()
            let plain = try SmallRun(data: data), overlapped = try SmallRun(data: data)
            let arguments = ["--max-steps", "20", "--epochs", "5", "--gradient-sync", "allreduce"]
            expectSuccess(plain.train(ranks: ranks, arguments))
            let result = overlapped.train(ranks: ranks, arguments + ["--overlap", "--verbose"])
            expectSuccess(result)
            // The path really ran: every step's decoder allreduce left from the backward hook.
            #expect(result.combined.contains("overlap: the decoder's allreduce ran during the encoder's backward in 16 step(s) so far"),
                    "\(result.combined)")
            #expect(try overlapped.metricsLines().last?["gradient_sync"] as? String == "allreduce+overlap")
            let difference = relativeDifference(try plain.checkpoint(step: 20).parameters.array,
                                                try overlapped.checkpoint(step: 20).parameters.array)
            #expect(difference <= 1e-4, "np=\(ranks): --overlap differs by \(difference)")
        }

        /// One rank has nothing to overlap: the flag is not silently dropped, it says so.
        @Test func overlapOnOneRankSaysItHasNoEffect() throws {
            let run = try SmallRun()
            let result = run.train(ranks: 0, ["--max-steps", "2", "--gradient-sync", "allreduce", "--overlap"])
            expectSuccess(result)
            #expect(result.combined.contains("--overlap: one rank has no gradients to send, so there is nothing to overlap"))
        }

        /// --accumulate K with batch B takes the same samples per update as
        /// batch K·B, so both give the same parameters (float summation order
        /// aside: the micro-batches are summed by GEMMs with beta = 1).
        @Test func accumulatedMicroBatchesMatchOneLargeBatch() throws {
            let data = try SyntheticDataset()
            let accumulated = try SmallRun(data: data), large = try SmallRun(data: data)
            expectSuccess(accumulated.train(ranks: 2, ["--epochs", "1", "--batch-size", "8", "--accumulate", "4"]))
            expectSuccess(large.train(ranks: 2, ["--epochs", "1"]))
            let a = try accumulated.checkpoint(step: 8), b = try large.checkpoint(step: 8)
            #expect(a.accumulate == 4 && a.globalBatchSize == 8)
            let difference = relativeDifference(b.parameters.array, a.parameters.array)
            #expect(difference <= 1e-4, "accumulated differs from the large batch by \(difference)")
            let lossA = try #require(try accumulated.metricsLines().last?["train_loss"] as? Double)
            let lossB = try #require(try large.metricsLines().last?["train_loss"] as? Double)
            #expect(abs(lossA - lossB) <= 1e-4 * abs(lossB))
        }

        /// 2 epochs straight, and 1 epoch + resume + 1 epoch, give byte-identical
        /// checkpoints; so does a stop inside an epoch (--max-steps) + resume.
        @Test(arguments: [["--epochs", "1"], ["--max-steps", "11"]])
        func resumedRunsAreBitwiseIdentical(firstLeg: [String]) throws {
            let data = try SyntheticDataset()
            let straight = try SmallRun(data: data)
            expectSuccess(straight.train(ranks: 2, ["--epochs", "2"]))
            let resumed = try SmallRun(data: data)
            expectSuccess(resumed.train(ranks: 2, firstLeg))
            let second = resumed.train(ranks: 2, ["--epochs", "2", "--resume", "auto"])
            expectSuccess(second)
            #expect(second.output.contains("resuming from"))
            let a = try straight.checkpointBytes(step: 16)
            let b = try resumed.checkpointBytes(step: 16)
            #expect(a == b, "final checkpoints differ after resume")
            let straightMetrics = try straight.metricsLines(), resumedMetrics = try resumed.metricsLines()
            #expect(straightMetrics.count == 2 && resumedMetrics.count == 2)
            for key in ["train_loss", "train_recon", "train_kl", "test_loss", "step"] {
                #expect(straightMetrics.map { "\($0[key] ?? "")" } == resumedMetrics.map { "\($0[key] ?? "")" }, "\(key) differs")
            }
        }

        @Test func writesMetricsImagesAndACheckpointPerEpoch() throws {
            let run = try SmallRun()
            let result = run.train(ranks: 2, ["--epochs", "2", "--images-every", "1", "--keep", "5"])
            expectSuccess(result)
            let metrics = try run.metricsLines()
            #expect(metrics.map { $0["epoch"] as? Int } == [1, 2])
            #expect(metrics.allSatisfy { $0["world_size"] as? Int == 2 })
            let first = try #require(metrics.first?["train_loss"] as? Double), last = try #require(metrics.last?["train_loss"] as? Double)
            #expect(last < first, "the loss must fall from epoch 1 to 2")
            for file in ["checkpoint-000000008.safetensors", "checkpoint-000000016.safetensors", "samples.png", "recon.png"] {
                #expect(FileManager.default.fileExists(atPath: run.out.appendingPathComponent(file).path), "\(file) missing")
            }
            #expect(result.output.split(separator: "\n").filter { $0.hasPrefix("epoch ") && $0.contains("test loss") }.count == 2,
                    "rank 0 alone prints each epoch's summary once")
        }
    }
}

/// The parameters before any step, from a 0-step run.
private func sampleInitialParameters(data: SyntheticDataset) -> [Float] {
    guard let run = try? SmallRun(data: data) else { return [] }
    _ = run.train(ranks: 0, ["--max-steps", "1", "--lr", "1e-30"])
    return (try? run.checkpoint(step: 1).parameters.array) ?? []
}
