import Foundation
import Testing
import TestSupport
@testable import Training
@testable import RunDirectory

extension ProcessTests {
    /// A signal stop through the launchers: `launch/local.sh` returns 75
    /// after a stop that wrote its checkpoint, whichever process got the
    /// signal and whatever mpirun itself returned.
    @Suite struct LauncherStopTests {
        static var localScript: String {
            SlurmCluster.repository.appendingPathComponent("launch/local.sh").path
        }

        /// Starts `launch/local.sh 2` on a long run and waits for its first epoch.
        func startLongRun() throws -> (SmallRun, RunningCommand) {
            let run = try SmallRun(data: try FailureTests.longData())
            let arguments = ["2"] + run.arguments(["--epochs", "1000"]).dropFirst()  // local.sh adds `train`
            let job = try #require(Command.start("/bin/bash", [Self.localScript] + arguments, environment: ["VAE_DIST": Command.binary]))
            #expect(job.waitUntil(timeout: 60) { (try? run.metricsLines().count) ?? 0 >= 1 }, "no epoch finished")
            return (run, job)
        }

        /// The stop's checkpoint is the newest, loads, and a resume continues from it.
        func expectResumable(_ run: SmallRun, after result: CommandResult) throws {
            let (newest, skipped) = CheckpointDirectory(path: run.out.path, keep: 1).newestValid()
            let checkpoint = try #require(newest?.0)
            #expect(skipped.isEmpty && checkpoint.progress.step > 128, "the stop wrote a checkpoint after the epoch-end one")
            #expect(result.output.contains("stopped by a signal after step \(checkpoint.progress.step)"), "\(result.combined)")
            let resumed = Command.mpirun(2, run.arguments(["--max-steps", String(checkpoint.progress.step + 2), "--resume", "auto"]))
            expectSuccess(resumed)
            #expect(resumed.output.contains("(step \(checkpoint.progress.step))"), "\(resumed.combined)")
        }

        @Test func sigintToTheLauncherExits75WithAResumableCheckpoint() throws {
            let (run, job) = try startLongRun()
            kill(job.processIdentifier, SIGINT)
            let result = job.wait(timeout: 30)
            #expect(result.status == 75 && !result.timedOut, "\(result.combined)")
            #expect(result.error.contains("local.sh: stopped cleanly"), "\(result.error)")
            try expectResumable(run, after: result)
        }

        /// mpirun signalled directly exits 1 after forwarding SIGTERM, though
        /// every rank exited 75; the launcher still reports the clean stop.
        @Test func sigtermToMpirunUnderTheLauncherExits75WithAResumableCheckpoint() throws {
            let (run, job) = try startLongRun()
            let mpirun = try #require(job.rankProcessIdentifiers.first, "local.sh's child is mpirun")
            kill(mpirun, SIGTERM)
            let result = job.wait(timeout: 30)
            #expect(result.status == 75 && !result.timedOut, "\(result.combined)")
            #expect(result.error.contains("exit 75 (mpirun returned 1)"), "bare mpirun's own status is 1: \(result.error)")
            try expectResumable(run, after: result)
        }

        /// A crash is a crash, even in a run that stopped cleanly before: no
        /// marker outlives its launch.
        @Test func aCrashAfterAnEarlierStopIsNotReportedAsAStop() throws {
            let (run, job) = try startLongRun()
            kill(job.processIdentifier, SIGTERM)
            #expect(job.wait(timeout: 30).status == 75)
            let crashed = Command.execute("/bin/bash", [Self.localScript, "2"] + run.arguments(["--epochs", "1000", "--resume", "auto"]).dropFirst(),
                                          timeout: 60, environment: ["VAE_DIST": Command.binary, "VAE_DIST_TEST_FAULT": "crash:1:200"])
            #expect(crashed.status != 75 && crashed.status != 0 && !crashed.timedOut, "\(crashed.combined)")
        }
    }
}
