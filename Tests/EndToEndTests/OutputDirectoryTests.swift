import Foundation
import Testing
import TestSupport
@testable import Training

extension ProcessTests {
    /// A run owns its output directory: it locks it, records its branch in
    /// `latest.json`, prunes only its own checkpoints, moves a branch it
    /// leaves aside, and no command overwrites its inputs.
    @Suite struct OutputDirectoryTests {
        /// No Slurm job id (the suite may itself run inside a Slurm job, whose
        /// id two test runs would share), and a short requeue wait.
        static let outsideSlurm = ["SLURM_JOB_ID": "", "VAE_DIST_LOCK_WAIT_SECONDS": "5"]

        func file(_ run: SmallRun, _ name: String) -> URL { run.out.appendingPathComponent(name) }

        func names(_ directory: URL) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".") }.sorted()
        }

        @Test func junkCheckpointFilesWithHigherStepsSurviveAndGoodOnesAreKept() throws {
            let run = try SmallRun()
            expectSuccess(run.train(ranks: 2, ["--epochs", "1", "--keep", "2"]))
            let good = try run.checkpointBytes(step: 8)
            let halfCopied = good.prefix(good.count / 2), foreign = Data("another tool's file\n".utf8)
            try halfCopied.write(to: file(run, "checkpoint-000000900.safetensors"))
            try foreign.write(to: file(run, "checkpoint-000000901.safetensors"))

            expectSuccess(run.train(ranks: 2, ["--epochs", "3", "--keep", "2", "--resume", "auto"]))
            #expect(try Data(contentsOf: file(run, "checkpoint-000000900.safetensors")) == halfCopied, "a file it cannot read is never deleted")
            #expect(try Data(contentsOf: file(run, "checkpoint-000000901.safetensors")) == foreign)
            #expect(try run.checkpoint(step: 24).progress.step == 24 && run.checkpoint(step: 16).progress.step == 16,
                    "the two newest good checkpoints are kept")
            #expect(try names(run.out).filter { $0.hasPrefix("checkpoint-") } == [
                "checkpoint-000000016.safetensors", "checkpoint-000000024.safetensors",
                "checkpoint-000000900.safetensors", "checkpoint-000000901.safetensors",
            ], "the run's own older checkpoint (step 8) is pruned, nothing else")
        }

        @Test func anotherDirectorysCheckpointIsRefusedIntoAUsedOutputAndNothingIsDeleted() throws {
            let data = try SyntheticDataset()
            let other = try SmallRun(data: data), used = try SmallRun(data: data)
            expectSuccess(other.train(ranks: 2, ["--epochs", "1"]))
            expectSuccess(used.train(ranks: 2, ["--epochs", "2", "--keep", "5"]))
            let before = try names(used.out), metrics = try Data(contentsOf: file(used, "metrics.jsonl"))
            let checkpoints = try [8, 16].map { step in try used.checkpointBytes(step: step) }

            let result = used.train(ranks: 2, ["--epochs", "3", "--resume", file(other, "checkpoint-000000008.safetensors").path])
            #expect(result.status == 1, "\(result.combined)")
            #expect(result.error.contains("already holds checkpoints") && result.error.contains("another directory"), "\(result.error)")
            #expect(try names(used.out) == before)
            #expect(try Data(contentsOf: file(used, "metrics.jsonl")) == metrics, "metrics.jsonl is not truncated")
            #expect(try [8, 16].map { step in try used.checkpointBytes(step: step) } == checkpoints)
        }

        @Test func goingBackToAnOlderCheckpointMovesTheAbandonedBranchAside() throws {
            let run = try SmallRun()
            expectSuccess(run.train(ranks: 2, ["--epochs", "3", "--keep", "5"]))
            let old = try [16, 24].map { step in try run.checkpointBytes(step: step) }
            let oldMetrics = try Data(contentsOf: file(run, "metrics.jsonl"))

            let branched = run.train(ranks: 2, ["--epochs", "3", "--keep", "5", "--lr", "0.0005",
                                                "--resume", file(run, "checkpoint-000000008.safetensors").path])
            expectSuccess(branched)
            let aside = run.out.appendingPathComponent("abandoned-8-1")
            #expect(branched.output.contains("moved the 2 newer checkpoint(s) of the old one to \(aside.path)/"), "\(branched.combined)")
            #expect(try names(aside) == ["checkpoint-000000016.safetensors", "checkpoint-000000024.safetensors", "latest.json", "metrics.jsonl"])
            #expect(try [16, 24].map { step in try Data(contentsOf: aside.appendingPathComponent(run.checkpointName(step: step))) } == old,
                    "the abandoned branch is kept byte for byte")
            #expect(try Data(contentsOf: aside.appendingPathComponent("metrics.jsonl")) == oldMetrics)
            let newBranch = try run.checkpointBytes(step: 24)
            #expect(newBranch != old[1], "the live step 24 is the new branch's")
            #expect(try run.metricsLines().count == 3, "the live metrics hold epoch 1, then the new branch's epochs 2 and 3")

            // --resume auto continues the new branch: the same bytes as resuming its step 24 explicitly elsewhere.
            let continued = run.train(ranks: 2, ["--epochs", "4", "--lr", "0.0005", "--resume", "auto"])
            expectSuccess(continued)
            #expect(continued.output.contains("resuming from \(file(run, "checkpoint-000000024.safetensors").path) (step 24)"))
            let reference = try SmallRun(data: run.data)
            let copy = reference.out.deletingLastPathComponent().appendingPathComponent("branch-\(UUID().uuidString).safetensors")
            try newBranch.write(to: copy)
            expectSuccess(reference.train(ranks: 2, ["--epochs", "4", "--lr", "0.0005", "--resume", copy.path]))
            #expect(try run.checkpointBytes(step: 32) == reference.checkpointBytes(step: 32))
            #expect(try names(aside).count == 4, "the abandoned branch is never resumed or pruned")
        }

        @Test func aSecondRunIntoTheSameOutputIsRefusedNamingTheFirst() throws {
            let run = try SmallRun(data: try FailureTests.longData())
            let lock = file(run, ".vae-dist.lock")
            let first = try #require(Command.startMPI(2, run.arguments(["--epochs", "10"]), environment: Self.outsideSlurm))
            #expect(first.waitUntil(timeout: 60) { ((try? String(contentsOf: lock, encoding: .utf8)) ?? "").contains("pid=") })
            let ranks = first.rankProcessIdentifiers

            let second = run.train(ranks: 2, ["--epochs", "10", "--resume", "auto"], environment: Self.outsideSlurm)
            let stillRunning = first.isRunning
            let host = Command.execute("/bin/hostname", [], timeout: 10).output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(second.status == 1, "\(second.combined)")
            let errors = second.error.split(separator: "\n").filter { $0.hasPrefix("vae-dist: error:") }
            #expect(errors.count == 1, "\(second.error)")
            #expect(ranks.contains { errors.first?.contains("is in use by PID \($0) on host \(host),") == true }, "ranks \(ranks): \(second.error)")
            #expect(stillRunning, "the first run was still running when the second was refused")

            let result = first.wait(timeout: 180)
            expectSuccess(result)
            #expect(try run.metricsLines().map { $0["epoch"] as? Int } == Array(1...10), "the first run's metrics are its own alone")
            #expect(try run.checkpoint(step: 1280).progress.step == 1280)
        }

        @Test func aRequeuedJobWaitsForItsPredecessorsLockAndOthersAreRefused() throws {
            let run = try SmallRun()
            let lock = file(run, ".vae-dist.lock").path
            try Data("host=node-b\npid=4242\nslurm_job_id=777\nstarted=2025-01-01T00:00:00Z\n".utf8).write(to: URL(fileURLWithPath: lock))
            func hold(seconds: Int) throws -> RunningCommand {
                let holder = try #require(Command.start("/usr/bin/flock", [lock, "sleep", String(seconds)]))
                #expect(holder.waitUntil(timeout: 10) { Command.execute("/usr/bin/flock", ["-n", lock, "true"], timeout: 10).status != 0 })
                return holder
            }

            var holder = try hold(seconds: 8)
            let other = run.train(ranks: 2, ["--epochs", "1"], environment: ["SLURM_JOB_ID": "778", "VAE_DIST_LOCK_WAIT_SECONDS": "60"])
            #expect(other.status == 1 && holder.isRunning, "\(other.combined)")
            #expect(other.error.contains("is in use by PID 4242 on host node-b (Slurm job 777), started 2025-01-01T00:00:00Z"), "\(other.error)")

            let requeued = run.train(ranks: 2, ["--epochs", "1"], environment: ["SLURM_JOB_ID": "777", "VAE_DIST_LOCK_WAIT_SECONDS": "60"])
            expectSuccess(requeued)
            #expect(!holder.isRunning, "the requeued run started only once the lock was released")
            #expect(requeued.output.contains("an earlier run of this Slurm job; waiting up to 60 s"), "\(requeued.combined)")
            #expect(try run.checkpoint(step: 8).progress.step == 8)
            _ = holder.wait(timeout: 10)

            // The wait is bounded.
            try Data("host=node-b\npid=4243\nslurm_job_id=777\nstarted=2025-01-01T00:00:00Z\n".utf8).write(to: URL(fileURLWithPath: lock))
            holder = try hold(seconds: 6)
            let impatient = run.train(ranks: 2, ["--epochs", "2", "--resume", "auto"],
                                      environment: ["SLURM_JOB_ID": "777", "VAE_DIST_LOCK_WAIT_SECONDS": "1"])
            #expect(impatient.status == 1 && holder.isRunning, "\(impatient.combined)")
            #expect(impatient.error.contains("is in use by PID 4243"), "\(impatient.error)")
            _ = holder.wait(timeout: 15)
        }

        @Test func modelCommandsRefuseToOverwriteTheirInputsUnlessForced() throws {
            let run = try SmallRun()
            expectSuccess(run.train(ranks: 2, ["--epochs", "1"]))
            let checkpoint = file(run, "checkpoint-000000008.safetensors").path
            let original = try run.checkpointBytes(step: 8)
            let link = run.out.appendingPathComponent("looks-like.png").path
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: checkpoint)
            let dataFile = run.data.directory.appendingPathComponent("t10k-images-idx3-ubyte.gz").path
            let dataBytes = try Data(contentsOf: URL(fileURLWithPath: dataFile))
            let onInputs: [([String], String)] = [
                (["export", checkpoint, "--out", checkpoint], checkpoint),
                (["sample", checkpoint, "--out", link], checkpoint),
                (["manifold", checkpoint, "--data", run.data.path, "--out", dataFile], dataFile),
                (["reconstruct", checkpoint, "--data", run.data.path, "--out", run.out.path + "/./checkpoint-000000008.safetensors"], checkpoint),
            ]
            for (arguments, input) in onInputs {
                let result = Command.run(arguments)
                #expect(result.status == 1, "\(arguments[0]): \(result.combined)")
                #expect(result.error.contains("is the input") && result.error.contains("--force"), "\(arguments[0]): \(result.error)")
                #expect(result.error.contains("is the input \(input)"), "\(arguments[0]): \(result.error)")
            }
            #expect(try run.checkpointBytes(step: 8) == original && Data(contentsOf: URL(fileURLWithPath: dataFile)) == dataBytes)

            let model = run.out.deletingLastPathComponent().appendingPathComponent("model-\(UUID().uuidString).safetensors").path
            expectSuccess(Command.run(["export", checkpoint, "--out", model]))
            let again = Command.run(["export", checkpoint, "--out", model])
            #expect(again.status == 1 && again.error.contains("already exists"), "\(again.combined)")

            expectSuccess(Command.run(["export", checkpoint, "--out", model, "--force"]))
            expectSuccess(Command.run(["sample", checkpoint, "--out", link, "--force"]))
            expectSuccess(Command.run(["export", checkpoint, "--out", checkpoint, "--force"]))
            #expect(try run.checkpointBytes(step: 8) == Data(contentsOf: URL(fileURLWithPath: model)),
                    "with --force, the checkpoint became the exported model, as asked")
        }
    }
}
