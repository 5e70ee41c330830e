import Foundation
import Testing
import TestSupport
@testable import Training

extension ProcessTests {
    /// Bad input ends the job with one clear line naming the flag or file, a
    /// non-zero exit and no hang, on one rank or several.
    @Suite struct BadInputTests {
        /// The error lines a run printed (ignoring mpirun's own summary).
        func errorLines(_ result: CommandResult) -> [String] {
            result.error.split(separator: "\n").map(String.init).filter { $0.hasPrefix("vae-dist: error:") }
        }

        func expectFailure(_ result: CommandResult, mentioning fragments: [String],
                           sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(!result.timedOut, "hung instead of failing", sourceLocation: sourceLocation)
            #expect(result.status != 0, "exit status 0 for bad input", sourceLocation: sourceLocation)
            let lines = errorLines(result)
            #expect(lines.count == 1, "expected one error line, got:\n\(result.error)", sourceLocation: sourceLocation)
            for fragment in fragments {
                #expect(lines.first?.contains(fragment) == true, "'\(fragment)' not in: \(result.error)", sourceLocation: sourceLocation)
            }
        }

        @Test(arguments: [
            (["--batch-size", "0"], "--batch-size"), (["--lr", "-1"], "--lr must be a finite number > 0 (got -1.0)"), (["--latent", "0"], "--latent"),
            (["--epochs", "-1"], "--epochs"), (["--hidden", "400,x"], "--hidden"), (["--recon", "l1"], "--recon"),
            (["--keep", "0"], "--keep"), (["--batch-size", "many"], "--batch-size"), (["--stall-timeout", "-1"], "--stall-timeout"),
        ])
        func nonsenseFlagsAreRejectedBeforeAnyWork(flags: [String], named: String) throws {
            let run = try SmallRun()
            let result = run.train(ranks: 2, flags)
            expectFailure(result, mentioning: [named])
            #expect(try FileManager.default.contentsOfDirectory(atPath: run.out.path).isEmpty, "no output for rejected flags")
        }

        @Test func batchNotDivisibleByRanksIsReportedOnce() throws {
            let result = try SmallRun().train(ranks: 2, ["--batch-size", "33"])
            expectFailure(result, mentioning: ["--batch-size 33", "2 ranks"])
        }

        @Test func moreRanksThanSamplesIsReported() throws {
            let data = try SyntheticDataset(trainCount: 3, testCount: 2)
            let result = try SmallRun(data: data).train(ranks: 4, ["--batch-size", "4"])
            expectFailure(result, mentioning: ["4 ranks", "only 3 samples"])
        }

        @Test func missingDataDirectoryIsNamed() throws {
            let run = try SmallRun()
            let result = Command.mpirun(2, ["train", "--data", "/nonexistent/fmnist", "--out", run.out.path])
            expectFailure(result, mentioning: ["/nonexistent/fmnist", "no such directory"])
        }

        @Test func truncatedDataFileIsNamed() throws {
            let data = try SyntheticDataset()
            let file = data.directory.appendingPathComponent("train-images-idx3-ubyte.gz")
            let bytes = try Data(contentsOf: file)
            try bytes.prefix(bytes.count / 2).write(to: file)
            let result = try SmallRun(data: data).train(ranks: 2, [])
            expectFailure(result, mentioning: ["train-images-idx3-ubyte.gz"])
        }

        @Test func outputPathThatIsAFileIsRejected() throws {
            let run = try SmallRun()
            let file = run.out.appendingPathComponent("occupied")
            try Data("x".utf8).write(to: file)
            let result = Command.mpirun(2, run.arguments([]).map { $0 == run.out.path ? file.path : $0 })
            expectFailure(result, mentioning: ["--out", file.path])
        }

        @Test func resumingWithAnotherArchitectureIsRefused() throws {
            let run = try SmallRun()
            expectSuccess(run.train(ranks: 0, ["--max-steps", "2"]))
            let checkpoint = run.out.appendingPathComponent("checkpoint-000000002.safetensors").path
            let result = run.train(ranks: 2, ["--max-steps", "4", "--resume", checkpoint, "--latent", "3"])
            expectFailure(result, mentioning: [checkpoint, "4-16-4", "--latent"])
        }

        @Test func explicitResumeFromACorruptFileFailsAndAutoSkipsIt() throws {
            let run = try SmallRun()
            expectSuccess(run.train(ranks: 0, ["--max-steps", "3", "--checkpoint-every", "1", "--keep", "3"]))
            let newest = run.out.appendingPathComponent("checkpoint-000000003.safetensors")
            var bytes = try Data(contentsOf: newest)
            bytes[bytes.count - 7] ^= 0x40
            try bytes.write(to: newest)
            expectFailure(run.train(ranks: 2, ["--max-steps", "4", "--resume", newest.path]),
                          mentioning: [newest.path, "corrupt"])
            let auto = run.train(ranks: 2, ["--max-steps", "4", "--resume", "auto"])
            expectSuccess(auto)
            #expect(auto.error.contains("skipping checkpoint") && auto.error.contains("checkpoint-000000003"))
            #expect(auto.output.contains("checkpoint-000000002.safetensors (step 2)"))
        }
    }
}
