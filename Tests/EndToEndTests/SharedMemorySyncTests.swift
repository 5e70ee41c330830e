import Foundation
import Testing
import TestSupport
@testable import Training
@testable import RunDirectory

extension ProcessTests {
    /// `--gradient-sync shared` on one host: the same model as one process,
    /// the same checkpoints as the other strategies, and the fault rows of
    /// README's "Failure behaviour" on this strategy.
    @Suite struct SharedMemorySyncTests {
        static let shared = ["--gradient-sync", "shared"]

        /// Like `dataParallelTrainingMatchesOneProcess`: np = 1, 2 and 4
        /// (oversubscribed) against np = 1, parameters and Adam's moments
        /// after 20 steps within 1e-4. One rank is the degenerate node of one.
        @Test func sharedMemorySyncMatchesOneProcess() throws {
            let data = try SyntheticDataset()
            let reference = try SmallRun(data: data)
            expectSuccess(reference.train(ranks: 1, ["--max-steps", "20", "--epochs", "5"]))
            let single = try reference.checkpoint(step: 20)
            for ranks in [1, 2, 4] {
                let run = try SmallRun(data: data)
                let result = run.train(ranks: ranks, ["--max-steps", "20", "--epochs", "5"] + Self.shared)
                expectSuccess(result)
                #expect(result.combined.contains("--gradient-sync shared: 1 node(s) x \(ranks) rank(s)"), "\(result.combined)")
                let checkpoint = try run.checkpoint(step: 20)
                #expect(checkpoint.worldSize == ranks)
                for (name, a, b) in [("parameters", single.parameters, checkpoint.parameters),
                                     ("exp_avg", single.firstMoment, checkpoint.firstMoment),
                                     ("exp_avg_sq", single.secondMoment, checkpoint.secondMoment)] {
                    let difference = relativeDifference(a.array, b.array)
                    #expect(difference <= 1e-4, "np=\(ranks) shared: \(name) differs from np=1 by \(difference)")
                }
                #expect(try run.metricsLines().last?["gradient_sync"] as? String == "shared")
            }
        }

        /// The node-shared parameters and moments make the same checkpoint as
        /// per-rank copies: with one or two ranks every gradient sum has at
        /// most two terms (a + b == b + a) and Adam is element-wise, so the
        /// files agree byte for byte with `--gradient-sync allreduce`.
        @Test(arguments: [1, 2])
        func sharedMemorySyncWritesTheCheckpointOfAllreduce(ranks: Int) throws {
            let data = try SyntheticDataset()
            let shared = try SmallRun(data: data), allreduce = try SmallRun(data: data)
            expectSuccess(shared.train(ranks: ranks, ["--max-steps", "12"] + Self.shared))
            expectSuccess(allreduce.train(ranks: ranks, ["--max-steps", "12", "--gradient-sync", "allreduce"]))
            #expect(try shared.checkpointBytes(step: 12) == allreduce.checkpointBytes(step: 12),
                    "np=\(ranks): shared and allreduce checkpoints differ")
        }

        @Test func aSignalStopThenResumeGivesTheUninterruptedCheckpoint() throws {
            let data = try SyntheticDataset()
            let straight = try SmallRun(data: data)
            expectSuccess(straight.train(ranks: 2, ["--epochs", "2"] + Self.shared))

            let run = try SmallRun(data: data)
            let stopped = run.train(ranks: 2, ["--epochs", "2"] + Self.shared,
                                    environment: ["VAE_DIST_TEST_FAULT": "signal:1:5:\(SIGTERM)"])
            #expect(stopped.status == 75, "a graceful stop exits 75:\n\(stopped.combined)")
            #expect(stopped.output.contains("stopped by a signal after step 6"), "\(stopped.combined)")
            #expect(try run.checkpoint(step: 6).progress.step == 6)

            let resumed = run.train(ranks: 2, ["--epochs", "2", "--resume", "auto"] + Self.shared)
            expectSuccess(resumed)
            #expect(resumed.output.contains("resuming from"))
            #expect(try straight.checkpointBytes(step: 16) == run.checkpointBytes(step: 16),
                    "stop + resume must give the uninterrupted run's checkpoint")
            #expect(try straight.checkpointBytes(step: 8) == run.checkpointBytes(step: 8))
        }

        @Test func aKilledRankEndsTheJobWithinTenSecondsAndTheCheckpointLoads() throws {
            let run = try SmallRun(data: try FailureTests.longData())
            let job = try #require(Command.startMPI(2, run.arguments(["--epochs", "1000", "--checkpoint-every", "10"] + Self.shared)))
            let store = CheckpointDirectory(path: run.out.path, keep: 1)
            #expect(job.waitUntil(timeout: 60) { ((try? store.checkpointPaths().count) ?? 0) >= 2 })
            let killed = Date()
            kill(try #require(job.rankProcessIdentifiers.last), SIGKILL)
            let result = job.wait(timeout: 30)
            #expect(Date().timeIntervalSince(killed) < 10, "the job outlived its killed rank by \(Date().timeIntervalSince(killed)) s")
            #expect(!result.timedOut && result.status != 0)
            let (newest, skipped) = store.newestValid()
            #expect(newest != nil && skipped.isEmpty, "the newest checkpoint must be complete: \(skipped)")
        }

        /// NaN on the last of four ranks: the report travels through the
        /// node's shared slots, and every rank skips the same update.
        @Test func nonFiniteGradientsOnOneRankAreSkippedByAllRanks() throws {
            let run = try SmallRun()
            let result = run.train(ranks: 4, ["--epochs", "1", "--checkpoint-every", "1", "--keep", "20"] + Self.shared,
                                   environment: ["VAE_DIST_TEST_FAULT": "nan:3:3"])
            expectSuccess(result)
            #expect(result.error.contains("step 4: non-finite loss or gradients on some rank; update skipped"), "\(result.combined)")
            let before = try run.checkpoint(step: 3), skipped = try run.checkpoint(step: 4), after = try run.checkpoint(step: 5)
            #expect(skipped.parameters.array == before.parameters.array, "parameters unchanged by the skipped step")
            #expect(skipped.firstMoment.array == before.firstMoment.array && skipped.secondMoment.array == before.secondMoment.array)
            #expect(skipped.adamStep == before.adamStep)
            #expect(after.parameters.array != skipped.parameters.array, "training continues after the skip")
            #expect(try run.metricsLines().last?["skipped_steps"] as? Int == 1)
        }

        /// `--deterministic` has its own synchronization: combining it with
        /// `shared` is refused in one line, not silently ignored.
        @Test func deterministicModeRefusesSharedMemorySync() throws {
            let run = try SmallRun()
            let result = run.train(ranks: 0, ["--deterministic", "8"] + Self.shared)
            #expect(result.status == 64 && !result.timedOut, "\(result.combined)")
            #expect(result.error.contains("--deterministic has its own gradient sum (over fixed micro-shards, in one fixed order)"), "\(result.error)")
        }
    }
}
