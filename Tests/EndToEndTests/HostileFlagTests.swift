import Foundation
import SystemIO
import Testing
import TestSupport
@testable import Training

extension ProcessTests {
    /// Flag values chosen to break the arithmetic or the memory of a run:
    /// each is refused before anything is allocated, with one line naming
    /// the flag, never a trap or the OOM killer.
    @Suite struct HostileFlagTests {
        let bad = BadInputTests()

        @Test(arguments: [
            (["--hidden", "10000000"], "--hidden"), (["--hidden", "9223372036854775807"], "--hidden"),
            (["--latent", "9223372036854775807"], "--latent"), (["--latent", "4611686018427387904"], "--latent"),
            (["--batch-size", "9223372036854775807"], "--batch-size"), (["--accumulate", "9223372036854775807"], "--accumulate"),
            (["--hidden", "16,9223372036854775807"], "--hidden"),
        ])
        func sizesBeyondMemoryOrIntAreRefusedBeforeAnyAllocation(flags: [String], named: String) throws {
            let run = try SmallRun()
            let result = run.train(ranks: 2, flags)
            bad.expectFailure(result, mentioning: [named])
            #expect(result.status == 64, "a flag refusal is a usage error:\n\(result.combined)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: run.out.path).isEmpty, "no output for rejected flags")
        }

        /// A width that fits for a one-pixel input but not for the data's 64
        /// pixels is refused once the data is known, still before allocating.
        @Test func aModelTooLargeForTheDataIsRefusedBeforeAllocating() throws {
            let memory = try #require(PhysicalMemory.bytes)
            let hidden = String(memory / 6000)
            let run = try SmallRun()
            let result = run.train(ranks: 0, ["--hidden", hidden])
            bad.expectFailure(result, mentioning: ["--hidden \(hidden)", "64-\(hidden)-4", "more than this machine's"])
            #expect(result.status == 1, "\(result.combined)")
        }

        @Test(arguments: [
            (["sample", "CHECKPOINT", "--columns", "9223372036854775807", "--out", "OUT/s.png"], "--columns"),
            (["eval", "CHECKPOINT", "--iw", "9223372036854775807"], "--iw"),
            (["eval", "CHECKPOINT", "--iw", "100001"], "--iw"),
            (["benchmark", "gemm", "--batch", "9223372036854775807"], "--batch"),
            (["benchmark", "gemm", "--hidden", "100000000", "--repetitions", "1"], "--hidden"),
            (["benchmark", "allreduce", "--repetitions", "9223372036854775807"], "--repetitions"),
        ])
        func otherCommandsRefuseHugeValues(arguments: [String], named: String) throws {
            let run = try SmallRun()
            expectSuccess(run.train(ranks: 0, ["--max-steps", "2"]))
            let checkpoint = run.out.appendingPathComponent("checkpoint-000000002.safetensors").path
            let filled = arguments.map { $0.replacingOccurrences(of: "CHECKPOINT", with: checkpoint).replacingOccurrences(of: "OUT", with: run.out.path) }
            let result = Command.run(filled, timeout: 60)
            bad.expectFailure(result, mentioning: [named])
            #expect(result.status == 64, "\(result.combined)")
        }

        /// K × test images beyond what eval takes on is refused with a hint,
        /// instead of running for days.
        @Test func anImportanceBoundThatWouldTakeHoursIsRefused() throws {
            let run = try SmallRun(data: try SyntheticDataset(trainCount: 256, testCount: 2048))
            expectSuccess(run.train(ranks: 0, ["--max-steps", "2"]))
            let checkpoint = run.out.appendingPathComponent("checkpoint-000000002.safetensors").path
            let result = Command.mpirun(2, ["eval", checkpoint, "--data", run.data.path, "--iw", "100000"], timeout: 60)
            bad.expectFailure(result, mentioning: ["--iw 100000", "2048 test images", "use a smaller --iw"])
            #expect(result.status == 1 && result.seconds < 30, "\(result.combined)")
        }

        @Test func aSymbolicLinkLoopIsNamedAsSuch() throws {
            let run = try SmallRun()
            let loop = run.out.appendingPathComponent("loop").path, other = run.out.appendingPathComponent("other").path
            try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: other)
            try FileManager.default.createSymbolicLink(atPath: other, withDestinationPath: loop)
            let asData = Command.mpirun(2, run.arguments([]).map { $0 == run.data.path ? loop : $0 })
            bad.expectFailure(asData, mentioning: [loop, "symbolic link loop"])
            let asOutput = Command.mpirun(2, run.arguments([]).map { $0 == run.out.path ? loop : $0 })
            bad.expectFailure(asOutput, mentioning: ["--out \(loop)", "symbolic link loop"])
        }
    }
}
