import Foundation
import Testing
import TestSupport
@testable import Training
@testable import RunDirectory

/// A Slurm cluster of this one machine, started for one test by
/// `Tests/cluster/slurm.sh` and stopped by PID file afterwards.
struct SlurmCluster {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var script: String { repository.appendingPathComponent("Tests/cluster/slurm.sh").path }
    static var batchScript: String { repository.appendingPathComponent("launch/slurm.sbatch").path }
    /// slurmd needs a cgroup file system; where there is none the tests say so and do not run.
    static var canRun: Bool { FileManager.default.fileExists(atPath: "/sys/fs/cgroup") }

    let directory: String
    var environment: [String: String] { ["SLURM_CONF": directory + "/slurm.conf"] }

    init() throws {
        directory = try TemporaryDirectory.make(prefix: "slurm").path
        let up = Command.execute("/bin/bash", [Self.script, "up", directory], timeout: 60)
        guard up.status == 0 else {
            _ = Command.execute("/bin/bash", [Self.script, "down", directory], timeout: 30)
            throw ClusterError(message: "the test cluster did not start (install it with launch/install-packages.sh --tests):\n\(up.combined)")
        }
    }

    func stop() {
        _ = Command.execute("/bin/bash", [Self.script, "down", directory], timeout: 30)
    }

    /// Submits launch/slurm.sbatch with `arguments` for `vae-dist train`; returns the job id.
    func submit(output: String, log: String, arguments: [String]) throws -> String {
        let exports = "ALL,VAE_DIST=\(Command.binary),OUT=\(output)"
        let result = Command.execute("/usr/bin/sbatch", ["--parsable", "--export=\(exports)", "--output=\(log)",
                                                         Self.batchScript] + arguments,
                                     timeout: 30, environment: environment)
        guard result.status == 0, let id = result.output.split(separator: "\n").first.map(String.init) else {
            throw ClusterError(message: "sbatch failed: \(result.combined)")
        }
        return id
    }

    /// `scontrol show job` fields of a job.
    func job(_ id: String) -> [String: String] {
        let result = Command.execute("/usr/bin/scontrol", ["show", "job", id], timeout: 30, environment: environment)
        var fields = [String: String]()
        for token in result.output.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            let parts = token.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        return fields
    }

    /// Waits for the job to end (no accounting daemon: poll scontrol); returns its last fields.
    func waitForEnd(_ id: String, timeout: Double) -> [String: String] {
        let deadline = Date().addingTimeInterval(timeout)
        var fields = job(id)
        while Date() < deadline {
            if let state = fields["JobState"], ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL"].contains(state) {
                return fields
            }
            Thread.sleep(forTimeInterval: 0.5)
            fields = job(id)
        }
        return fields
    }

    func run(_ executable: String, _ arguments: [String]) -> CommandResult {
        Command.execute(executable, arguments, timeout: 30, environment: environment)
    }

    struct ClusterError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}

extension ProcessTests {
    /// The shipped launch/slurm.sbatch, submitted to a real Slurm.
    @Suite(.enabled(if: SlurmCluster.canRun, "no /sys/fs/cgroup on this machine: slurmd cannot run, the Slurm tests cannot either"))
    struct SlurmTests {
        func trainArguments(_ data: SyntheticDataset, _ extra: [String]) -> [String] {
            ["--data", data.path, "--hidden", "16", "--latent", "4", "--batch-size", "32", "--seed", "5",
             "--images-every", "0"] + extra
        }

        @Test func aBatchJobTrainsOnTwoTasksAndCheckpoints() throws {
            let cluster = try SlurmCluster()
            defer { cluster.stop() }
            let data = try SyntheticDataset()
            let work = try TemporaryDirectory.make(prefix: "slurm-job")
            let out = work.appendingPathComponent("out").path, log = work.appendingPathComponent("job.log").path
            let id = try cluster.submit(output: out, log: log, arguments: trainArguments(data, ["--epochs", "2"]))
            let fields = cluster.waitForEnd(id, timeout: 120)
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(fields["JobState"] == "COMPLETED", "job ended \(fields["JobState"] ?? "?"):\n\(text)")
            #expect(text.contains("2 tasks on 1 node(s)"))
            let metrics = try String(contentsOfFile: out + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
            #expect(metrics.count == 2 && metrics.allSatisfy { $0.contains("\"world_size\":2") })
            #expect(try CheckpointDirectory.load(out + "/checkpoint-000000016.safetensors").worldSize == 2)
        }

        /// Preemption both ways Slurm does it: the time-limit warning (USR1 to
        /// the batch shell, which forwards it and requeues), and an
        /// administrator's `scontrol requeue`. Either way the job resumes from
        /// its checkpoint and ends with the uninterrupted run's checkpoint.
        @Test(arguments: ["time-limit signal", "scontrol requeue"])
        func aPreemptedJobResumesToTheUninterruptedResult(preemption: String) throws {
            let data = try SyntheticDataset(trainCount: 4096, testCount: 64)
            // 20 epochs of 128 steps: long enough that the preemption lands mid-run.
            let reference = try SmallRun(data: data)
            expectSuccess(Command.mpirun(2, ["train", "--out", reference.out.path] + trainArguments(data, ["--epochs", "20"])))

            let cluster = try SlurmCluster()
            defer { cluster.stop() }
            let work = try TemporaryDirectory.make(prefix: "slurm-job")
            let out = work.appendingPathComponent("out").path, log = work.appendingPathComponent("job.log").path
            let id = try cluster.submit(output: out, log: log, arguments: trainArguments(data, ["--epochs", "20"]))
            let started = Date()
            while Date().timeIntervalSince(started) < 60, !FileManager.default.fileExists(atPath: out + "/metrics.jsonl") {
                Thread.sleep(forTimeInterval: 0.05)
            }
            let preempt = preemption == "scontrol requeue"
                ? cluster.run("/usr/bin/scontrol", ["requeue", id])
                : cluster.run("/usr/bin/scancel", ["--batch", "--signal=USR1", id])
            #expect(preempt.status == 0, "\(preempt.combined)")

            let fields = cluster.waitForEnd(id, timeout: 180)
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(fields["JobState"] == "COMPLETED", "job ended \(fields["JobState"] ?? "?"):\n\(text)")
            #expect(fields["Restarts"] == "1", "restarts: \(fields["Restarts"] ?? "?")\n\(text)")
            #expect(text.contains("stopped by a signal after step"), "\(text)")
            // The batch script's own status for the stopped run (the stop marker's verdict), then 0 for the
            // resumed one. (`scontrol requeue` ends the batch shell itself, which then reports nothing.)
            #expect(text.hasSuffix("slurm.sbatch: exit status 0\n"), "\(text)")
            if preemption == "time-limit signal" {
                #expect(text.contains("slurm.sbatch: exit status 75"), "\(text)")
            }
            #expect(text.contains("restart 1") && text.contains("resuming from"), "\(text)")
            let final = try Data(contentsOf: URL(fileURLWithPath: out + "/checkpoint-000002560.safetensors"))
            #expect(final == (try reference.checkpointBytes(step: 2560)), "the resumed job must end where the uninterrupted one does")
        }

        /// launch/sweep.sbatch as a 2-task job array: each task trains its
        /// line of the sweep file into its own directory, and both finish.
        @Test func aSweepArrayTrainsEachLineIntoItsOwnDirectory() throws {
            let cluster = try SlurmCluster()
            defer { cluster.stop() }
            let data = try SyntheticDataset()
            let work = try TemporaryDirectory.make(prefix: "slurm-sweep")
            let sweep = work.appendingPathComponent("sweep.txt").path
            try "# learning rate and KL weight\nlr=0.002 beta=0.5\n\nlr=0.0005 beta=2 kl-warmup=4\n".write(toFile: sweep, atomically: true, encoding: .utf8)
            let root = work.appendingPathComponent("sweep").path
            let exports = "ALL,VAE_DIST=\(Command.binary),SWEEP_OUT=\(root),VAE_DIST_LAUNCH=\(SlurmCluster.repository.path)/launch"
            let submitted = Command.execute("/usr/bin/sbatch", ["--parsable", "--array=1-2", "--export=\(exports)",
                                                                "--output=\(work.path)/task-%a.log",
                                                                SlurmCluster.repository.appendingPathComponent("launch/sweep.sbatch").path,
                                                                sweep] + trainArguments(data, ["--epochs", "1"]),
                                            timeout: 30, environment: cluster.environment)
            let id = try #require(submitted.output.split(separator: "\n").first.map(String.init), "\(submitted.combined)")
            for (task, (lr, beta)) in [(1, (Float(0.002), Float(0.5))), (2, (Float(0.0005), Float(2)))] {
                let fields = cluster.waitForEnd("\(id)_\(task)", timeout: 120)
                let log = (try? String(contentsOfFile: "\(work.path)/task-\(task).log", encoding: .utf8)) ?? ""
                #expect(fields["JobState"] == "COMPLETED", "task \(task) ended \(fields["JobState"] ?? "?"):\n\(log)")
                let checkpoint = try CheckpointDirectory.load("\(root)/task-\(task)/checkpoint-000000008.safetensors")
                #expect(checkpoint.learningRate == lr && checkpoint.objective.beta == beta, "task \(task) trained its own line")
                #expect(checkpoint.schedule.klWarmupSteps == (task == 2 ? 4 : 0))
            }
        }

        @Test func theBatchScriptRefusesToRunOutsideAnAllocation() {
            var environment = [String: String]()
            environment["SLURM_JOB_ID"] = ""
            let result = Command.execute("/bin/bash", [SlurmCluster.batchScript], timeout: 30, environment: environment)
            #expect(result.status == 64)
            #expect(result.error.contains("not inside a Slurm allocation"))
        }
    }
}
