import Foundation
import Testing
import TestSupport
@testable import Training
@testable import RunDirectory

extension ProcessTests {
    /// `--stall-timeout`: a rank that is alive but stuck (here: SIGSTOP) must
    /// not leave the job waiting forever, in any synchronization mode, and a
    /// short timeout must never end a job that is merely running.
    @Suite struct StallTests {
        /// Every way the ranks synchronize (the watchdog's marks are the trainer's, not the strategies').
        static let modes: [[String]] = [
            ["--gradient-sync", "sharded"], ["--gradient-sync", "allreduce"], ["--gradient-sync", "allreduce", "--overlap"],
            ["--gradient-sync", "shared"], ["--deterministic", "8", "--gradient-sync", "allreduce"],
        ]

        @Test(arguments: modes)
        func aStoppedRankEndsTheJobWithinTwentySecondsAndTheCheckpointLoads(mode: [String]) throws {
            let run = try SmallRun(data: try FailureTests.longData())
            let job = try #require(Command.startMPI(2, run.arguments(["--epochs", "1000", "--checkpoint-every", "10",
                                                                      "--stall-timeout", "5"] + mode)))
            let store = CheckpointDirectory(path: run.out.path, keep: 1)
            #expect(job.waitUntil(timeout: 60) { ((try? store.checkpointPaths().count) ?? 0) >= 1 }, "no checkpoint was written")
            let stopped = try #require(job.rankProcessIdentifiers.first { Self.rank(of: $0) == 1 })
            defer { kill(stopped, SIGKILL) }  // should mpirun have left it behind
            kill(stopped, SIGSTOP)
            let stoppedAt = Date()
            let ended = job.waitUntil(timeout: 60) { !job.isRunning }
            let seconds = Date().timeIntervalSince(stoppedAt)
            let result = job.wait(timeout: 240)
            #expect(ended && seconds < 20, "the job outlived its stopped rank by \(seconds) s:\n\(result.error)")
            #expect(!result.timedOut && result.status != 0, "exit \(result.status)")
            // mpirun's SIGKILL is sent before it returns, but a loaded kernel may take a moment to end the process.
            let deadline = Date().addingTimeInterval(5)
            while Self.isRunning(stopped) && Date() < deadline { usleep(50_000) }
            #expect(!Self.isRunning(stopped), "the stopped rank was not ended with the job (5 s after mpirun returned)")

            let stalls = result.error.split(separator: "\n").filter { $0.contains("stalled") }
            #expect(stalls.count == 1, "one line, from the rank that waited:\n\(result.error)")
            let line = try #require(stalls.first.map(String.init))
            let match = try #require(line.firstMatch(of: /^vae-dist: error: rank 0: stalled [0-9.]+ s at step (\d+) in the [a-z -]+ \(--stall-timeout 5\.0 s\); rank 1 did not arrive \(stopped, hung or far slower\); ending the job$/),
                                     "\(line)")
            let step = try #require(Int(match.1))

            let (newest, skipped) = store.newestValid()
            #expect(skipped.isEmpty, "the newest checkpoint must be complete: \(skipped)")
            let newestPath = try #require(try store.checkpointPaths().first)
            let loaded = try CheckpointDirectory.load(newestPath)
            #expect(loaded.progress.step == newest?.0.progress.step)
            #expect(loaded.progress.step >= 10 && loaded.progress.step <= step, "checkpoint at \(loaded.progress.step), stall at step \(step)")
        }

        @Test func aRunThatNeverStallsFinishesUnderAShortStallTimeout() throws {
            // Every synchronization point, many times over a run far longer
            // than the timeout: steps, checkpoints every 5 steps, test-set
            // evaluation and best.safetensors at each epoch's end, the release.
            let run = try SmallRun(data: try FailureTests.longData())
            let result = run.train(ranks: 2, ["--epochs", "6", "--checkpoint-every", "5", "--patience", "100", "--hidden", "128",
                                              "--stall-timeout", "1", "--gradient-sync", "shared"])
            expectSuccess(result)
            #expect(!result.error.contains("stalled"), "\(result.error)")
            // The run must outlast the 1 s limit several times to prove anything: the
            // epochs' own clocks say it did (measured by the run, not asserted on speed).
            let lines = try run.metricsLines()
            #expect(lines.count == 6)
            let trained = lines.compactMap { $0["epoch_seconds"] as? Double }.reduce(0, +)
            #expect(trained > 2, "6 epochs took \(trained) s: too short to have tested a 1 s limit; make the data longer")
        }

        /// Whether a process exists and has not ended: an ended rank whose
        /// parent (mpirun) is gone may stay a zombie until some process reaps it.
        static func isRunning(_ process: Int32) -> Bool {
            guard let handle = FileHandle(forReadingAtPath: "/proc/\(process)/stat"),
                  let bytes = try? handle.readToEnd() else { return false }
            let text = String(decoding: bytes, as: UTF8.self)
            guard let end = text.lastIndex(of: ")") else { return false }
            let state = text[text.index(after: end)...].trimmingCharacters(in: .whitespaces).first
            return state != "Z" && state != "X"
        }

        /// The rank mpirun gave a process, from its environment.
        static func rank(of process: Int32) -> Int? {
            guard let handle = FileHandle(forReadingAtPath: "/proc/\(process)/environ"),
                  let bytes = try? handle.readToEnd() else { return nil }
            let variables = bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return variables.first { $0.hasPrefix("OMPI_COMM_WORLD_RANK=") }.flatMap { Int($0.dropFirst(21)) }
        }
    }
}
