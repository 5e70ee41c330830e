import Foundation
import Testing
import TestSupport
@testable import Training
@testable import RunDirectory

extension ProcessTests {
    /// What a job does when something goes wrong while it runs: each test
    /// causes the fault and checks the exit status, the time it took, the
    /// message, and that the newest checkpoint on disk loads.
    @Suite struct FailureTests {
        /// 4096 samples / batch 32 = 128 steps per epoch: long enough to act on a running job.
        static func longData() throws -> SyntheticDataset { try SyntheticDataset(trainCount: 4096, testCount: 64) }

        @Test(arguments: [SIGTERM, SIGINT, SIGUSR1])
        func aSignalOnOneRankStopsEveryRankAfterTheSameStep(signal: Int32) throws {
            let data = try SyntheticDataset()
            let straight = try SmallRun(data: data)
            expectSuccess(straight.train(ranks: 2, ["--epochs", "2"]))

            let run = try SmallRun(data: data)
            let stopped = run.train(ranks: 2, ["--epochs", "2"], environment: ["VAE_DIST_TEST_FAULT": "signal:1:5:\(signal)"])
            #expect(stopped.status == 75, "a graceful stop exits 75:\n\(stopped.combined)")
            #expect(stopped.output.contains("stopped by a signal after step 6"), "\(stopped.combined)")
            #expect(try run.checkpoint(step: 6).progress.step == 6)

            expectSuccess(run.train(ranks: 2, ["--epochs", "2", "--resume", "auto"]))
            #expect(try straight.checkpointBytes(step: 16) == run.checkpointBytes(step: 16),
                    "stop + resume must give the uninterrupted run's checkpoint")
        }

        @Test func sigtermFromOutsideStopsTheJobWithinFiveSeconds() throws {
            let run = try SmallRun(data: try Self.longData())
            let job = try #require(Command.startMPI(2, run.arguments(["--epochs", "1000"])))
            let checkpointed = job.waitUntil(timeout: 60) { (try? run.metricsLines().count) ?? 0 >= 1 }
            #expect(checkpointed, "training did not get through its first epoch")
            let ranks = job.rankProcessIdentifiers
            #expect(ranks.count == 2)
            let signalled = Date()
            kill(try #require(ranks.last), SIGTERM)
            let result = job.wait(timeout: 30)
            let seconds = Date().timeIntervalSince(signalled)
            #expect(seconds < 5, "took \(seconds) s to stop")
            #expect(result.status == 75, "\(result.combined)")
            let newest = try #require(CheckpointDirectory(path: run.out.path, keep: 1).newestValid().checkpoint)
            #expect(newest.0.progress.step > 128, "the stop wrote a checkpoint after the epoch-end one")
        }

        @Test func aKilledRankEndsTheJobWithinTenSecondsAndTheCheckpointLoads() throws {
            let run = try SmallRun(data: try Self.longData())
            let job = try #require(Command.startMPI(2, run.arguments(["--epochs", "1000", "--checkpoint-every", "10"])))
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

        @Test func aCrashingRankEndsTheJobPromptly() throws {
            let run = try SmallRun(data: try Self.longData())
            let result = run.train(ranks: 2, ["--epochs", "1000", "--checkpoint-every", "5"],
                                   environment: ["VAE_DIST_TEST_FAULT": "crash:1:12"])
            #expect(!result.timedOut && result.status != 0)
            #expect(result.seconds < 20, "took \(result.seconds) s")
            #expect(try run.checkpoint(step: 10).progress.step == 10)
        }

        @Test func nonFiniteGradientsOnOneRankAreSkippedByAllRanks() throws {
            let run = try SmallRun()
            let result = run.train(ranks: 2, ["--epochs", "1", "--checkpoint-every", "1", "--keep", "20"],
                                   environment: ["VAE_DIST_TEST_FAULT": "nan:1:3"])
            expectSuccess(result)
            #expect(result.error.contains("step 4: non-finite loss or gradients on some rank; update skipped"))
            let before = try run.checkpoint(step: 3), skipped = try run.checkpoint(step: 4), after = try run.checkpoint(step: 5)
            #expect(skipped.parameters.array == before.parameters.array, "parameters unchanged by the skipped step")
            #expect(skipped.firstMoment.array == before.firstMoment.array && skipped.secondMoment.array == before.secondMoment.array)
            #expect(skipped.adamStep == before.adamStep)
            #expect(after.parameters.array != skipped.parameters.array, "training continues after the skip")
            #expect(try run.metricsLines().last?["skipped_steps"] as? Int == 1)
        }

        /// An epoch whose steps so far were all skipped has no running loss:
        /// the progress line says so instead of printing 0.00.
        @Test func progressOverOnlySkippedStepsShowsNoLoss() throws {
            let run = try SmallRun()
            let result = run.train(ranks: 2, ["--epochs", "1", "--log-every", "1"], environment: ["VAE_DIST_TEST_FAULT": "nan:0:0:2"])
            expectSuccess(result)
            let lines = result.output.split(separator: "\n").filter { $0.contains(" samples/s  loss ") }
            #expect(lines.count >= 3, "\(result.output)")
            #expect(lines.prefix(2).allSatisfy { $0.contains("loss - (steps skipped)") }, "\(result.output)")
            #expect(lines.dropFirst(2).allSatisfy { !$0.contains("steps skipped") && !$0.contains("loss 0.00") }, "\(result.output)")
        }

        @Test func tooManyNonFiniteStepsStopTheJobWithItsLastGoodState() throws {
            let run = try SmallRun()
            let result = run.train(ranks: 2, ["--epochs", "2", "--checkpoint-every", "1", "--keep", "20", "--max-bad-steps", "3"],
                                   environment: ["VAE_DIST_TEST_FAULT": "nan:0:2:100"])
            #expect(result.status == 1 && !result.timedOut)
            let errors = result.error.split(separator: "\n").filter { $0.hasPrefix("vae-dist: error:") }
            #expect(errors.count == 1 && errors.first?.contains("--max-bad-steps") == true, "\(result.error)")
            // Exactly K bad steps (2, 3, 4), not K + 1; the message names the newest checkpoint (step 4:
            // skipped steps leave the parameters as step 2 made them).
            #expect(errors.first?.contains("stopping at step 5: 3 consecutive steps") == true, "\(result.error)")
            #expect(errors.first?.contains("the newest checkpoint, \(run.out.path)/checkpoint-000000004.safetensors, holds the last good state") == true,
                    "\(result.error)")
            // An agreed skip is logged once, by rank 0.
            #expect(result.combined.components(separatedBy: "step 3: non-finite loss or gradients on some rank").count == 2, "\(result.combined)")
            let good = try run.checkpoint(step: 2)
            let newest = try #require(CheckpointDirectory(path: run.out.path, keep: 1).newestValid().checkpoint?.0)
            #expect(newest.parameters.array == good.parameters.array)
        }

        @Test func divergingBeforeTheFirstCheckpointDoesNotClaimOne() throws {
            let run = try SmallRun()
            let result = run.train(ranks: 2, ["--max-bad-steps", "2"], environment: ["VAE_DIST_TEST_FAULT": "nan:1:0:100"])
            #expect(result.status == 1 && !result.timedOut)
            #expect(result.error.contains("stopping at step 2: 2 consecutive steps had non-finite loss or gradients (--max-bad-steps); no checkpoint was written before them"),
                    "\(result.error)")
        }

        @Test func ranksWithDifferentDataRefuseToTrain() throws {
            let first = try SmallRun(), second = try SyntheticDataset(seed: 99)
            let a = first.arguments([]), b = a.map { $0 == first.data.path ? second.path : $0 }
            let result = Command.execute("/usr/bin/mpirun", ["-np", "1", Command.binary] + a + [":", "-np", "1", Command.binary] + b,
                                         timeout: 60)
            #expect(result.status != 0 && !result.timedOut)
            #expect(result.error.contains("rank 1 loaded different data from rank 0"), "\(result.error)")
        }

        /// An MPMD launch whose ranks got different flags: refused by rank 0
        /// naming the setting and both values, before any allocation, no hang.
        @Test(arguments: [
            (["--hidden", "16"], ["--hidden", "32"], "rank 1 was started with --hidden 32, rank 0 with --hidden 16"),
            (["--lr", "0.001"], ["--lr", "0.01"], "rank 1 was started with --lr 0.01, rank 0 with --lr 0.001"),
            ([], ["--max-steps", "4"], "rank 1 was started with --max-steps 4, rank 0 without --max-steps"),
        ])
        func ranksStartedWithDifferentFlagsRefuseToStart(first: [String], second: [String], message: String) throws {
            let run = try SmallRun()
            let a = run.arguments(first), b = run.arguments(second)
            let result = Command.execute("/usr/bin/mpirun", ["--timeout", "60", "-np", "1", Command.binary] + a
                                            + [":", "-np", "1", Command.binary] + b, timeout: 75)
            #expect(result.status == 1 && !result.timedOut && result.seconds < 30, "\(result.combined)")
            let errors = result.error.split(separator: "\n").filter { $0.hasPrefix("vae-dist: error:") }
            #expect(errors.count == 1 && errors.first?.contains(message) == true, "\(result.error)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: run.out.path).isEmpty, "nothing written")
        }

        @Test func resumingOnImagesOfAnotherSizeIsRefused() throws {
            let run = try SmallRun()
            expectSuccess(run.train(ranks: 0, ["--max-steps", "2"]))
            let smaller = try SyntheticDataset(side: 6)
            let checkpoint = run.out.appendingPathComponent("checkpoint-000000002.safetensors").path
            let explicit = Command.mpirun(2, run.arguments(["--max-steps", "3", "--resume", checkpoint])
                .map { $0 == run.data.path ? smaller.path : $0 })
            #expect(explicit.status == 1)
            #expect(explicit.error.contains("it holds a 64-16-4 model, this run is 36-16-4"), "\(explicit.error)")
            let auto = Command.mpirun(2, run.arguments(["--max-steps", "3", "--resume", "auto"])
                .map { $0 == run.data.path ? smaller.path : $0 })
            #expect(auto.status == 1)
            #expect(auto.error.contains("none of the 1 checkpoint(s)") && auto.error.contains("36-16-4"), "\(auto.error)")
            #expect(try run.checkpoint(step: 2).progress.step == 2, "the old run's checkpoint is untouched")
        }

        @Test func aFreshRunRefusesADirectoryHoldingAnotherRunsCheckpoints() throws {
            let run = try SmallRun()
            expectSuccess(run.train(ranks: 0, ["--max-steps", "2"]))
            let again = run.train(ranks: 2, ["--max-steps", "2"])
            #expect(again.status == 1)
            #expect(again.error.contains("already holds checkpoints") && again.error.contains("--resume auto"), "\(again.error)")
        }

        @Test func aFullDiskLeavesThePreviousCheckpointIntact() throws {
            let mount = try TemporaryFilesystem(kilobytes: 200)
            defer { mount.remove() }
            let run = try SmallRun()
            // Hidden 64: each checkpoint is ~110 kB, so the second one cannot be written.
            let arguments = run.arguments(["--epochs", "3", "--hidden", "64", "--keep", "5"])
                .map { $0 == run.out.path ? mount.path : $0 }
            let result = Command.mpirun(2, arguments)
            #expect(result.status != 0 && !result.timedOut)
            #expect(result.error.contains("No space left on device"), "\(result.error)")
            let store = CheckpointDirectory(path: mount.path, keep: 1)
            let (newest, skipped) = store.newestValid()
            #expect(newest?.0.progress.step == 8 && skipped.isEmpty)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: mount.path).filter { $0.contains(".tmp.") }
            #expect(leftovers.isEmpty, "no partial file is left behind: \(leftovers)")
        }

        @Test func anUnwritableOutputDirectoryIsFoundBeforeTraining() throws {
            let mount = try TemporaryFilesystem(kilobytes: 64, readOnly: true)
            defer { mount.remove() }
            let run = try SmallRun()
            let result = Command.mpirun(2, run.arguments([]).map { $0 == run.out.path ? mount.path : $0 })
            #expect(result.status == 1)
            #expect(result.error.contains("--out \(mount.path): cannot write there") && result.error.contains("Read-only"),
                    "\(result.error)")
            #expect(!result.output.contains("training "), "no training starts")
        }
    }
}

/// A tmpfs of a given size (or read-only), to make a full or unwritable disk
/// for real. Needs root, as CI and the development machines run.
struct TemporaryFilesystem {
    let path: String

    init(kilobytes: Int, readOnly: Bool = false) throws {
        path = try TemporaryDirectory.make(prefix: "vae-fs").path
        let options = "size=\(kilobytes)k" + (readOnly ? ",ro" : "")
        let result = Command.execute("/bin/mount", ["-t", "tmpfs", "-o", options, "tmpfs", path], timeout: 10)
        if result.status != 0 {
            throw MountError(message: "mount -t tmpfs failed (the failure tests need root): \(result.error)")
        }
    }

    func remove() {
        _ = Command.execute("/bin/umount", ["-l", path], timeout: 10)
        try? FileManager.default.removeItem(atPath: path)
    }

    struct MountError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
