import Foundation
import Testing
import TestSupport
@testable import Training

extension ProcessTests {
    /// The commands other than train have nothing to save: a stop signal
    /// ends them within seconds, on every rank together, with one line, exit
    /// 128 + the signal and no output.
    @Suite struct InterruptTests {
        /// A checkpoint and a test set large enough for a long evaluation.
        func trained(testCount: Int = 1024) throws -> (SmallRun, String) {
            let run = try SmallRun(data: try SyntheticDataset(trainCount: 256, testCount: testCount))
            expectSuccess(run.train(ranks: 0, ["--max-steps", "2"]))
            return (run, run.out.appendingPathComponent("checkpoint-000000002.safetensors").path)
        }

        @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
        func evalStopsWithinSecondsOfASignalOnOneRank(signal: Int32, status: Int32) throws {
            let (run, checkpoint) = try trained()
            // 1024 images x K = 100000: minutes of work, so the signal lands mid-bound.
            let job = try #require(Command.startMPI(2, ["eval", checkpoint, "--data", run.data.path, "--iw", "100000"], timeout: 120))
            Thread.sleep(forTimeInterval: 3)
            let ranks = job.rankProcessIdentifiers
            #expect(ranks.count == 2)
            let signalled = Date()
            kill(try #require(ranks.last), signal)
            let result = job.wait(timeout: 60)
            let seconds = Date().timeIntervalSince(signalled)
            #expect(seconds < 5, "took \(seconds) s to stop:\n\(result.combined)")
            #expect(result.status == status, "\(result.combined)")
            let errors = result.error.split(separator: "\n").filter { $0.hasPrefix("vae-dist: error:") }
            #expect(errors.count == 1 && errors.first?.contains("interrupted by") == true, "\(result.error)")
            #expect(!result.output.contains("negative ELBO"), "no partial report")
        }

        /// Progress on standard error: a line per tenth of each phase in a
        /// log, so `--json` on standard output stays one object.
        @Test func evalShowsItsProgressInALog() throws {
            let (run, checkpoint) = try trained(testCount: 64)
            let result = Command.mpirun(2, ["eval", checkpoint, "--data", run.data.path, "--iw", "50", "--json"])
            expectSuccess(result)
            #expect(result.error.contains("IWAE bound, K=50: 50% done"), "\(result.error)")
            #expect(result.error.components(separatedBy: "% done").count - 1 <= 20, "about ten lines per phase: \(result.error)")
            let lines = result.output.split(separator: "\n")
            #expect(lines.count == 1 && lines.first?.hasPrefix("{") == true, "\(result.output)")
        }

        /// sample, reconstruct and manifold take well under a second, so the
        /// signal is raised through the real handler once their work started
        /// (`VAE_DIST_TEST_FAULT=signal:0:0:N`), as a Ctrl-C at that moment would.
        @Test(arguments: ["sample", "reconstruct", "manifold"])
        func modelCommandsInterruptedWriteNothing(command: String) throws {
            let (run, checkpoint) = try trained(testCount: 64)
            let image = run.out.appendingPathComponent("\(command).png").path
            var arguments = [command, checkpoint, "--out", image]
            if command != "sample" { arguments += ["--data", run.data.path] }
            let result = Command.run(arguments, environment: ["VAE_DIST_TEST_FAULT": "signal:0:0:\(SIGINT)"])
            #expect(result.status == 130, "\(result.combined)")
            #expect(result.error == "vae-dist: error: interrupted by SIGINT; nothing was written\n", "\(result.error)")
            #expect(!FileManager.default.fileExists(atPath: image), "no output file")
            expectSuccess(Command.run(arguments))
            #expect(FileManager.default.fileExists(atPath: image), "without the signal it writes")
        }
    }
}
