import Foundation
import Testing
import TestSupport
@testable import RunDirectory

extension ProcessTests {
    /// Checkpoint files whose bytes must not change when the code is only
    /// reorganized: the same command writes the same file, whatever the
    /// targets, files and types look like. `--deterministic 4` runs at 1, 2
    /// and 4 ranks (their tensors are equal, see DeterminismTests; the files
    /// differ in the world size they record); the other runs cover the features a
    /// checkpoint records (a schedule, clipping, early stopping, another
    /// likelihood, binarized input, the other strategies).
    ///
    /// The bits depend on the BLAS kernel, so every run pins
    /// `OPENBLAS_CORETYPE=Haswell` (AVX2 and FMA). A new OpenBLAS package may
    /// still sum in another order: then take the new values from the failure
    /// messages of a checkout of the commit before the change in question
    /// (with `VAE_DIST_BINARY` naming its binary), never of the change itself.
    @Suite(.enabled(if: cpuRunsHaswellKernels,
                    "needs an x86-64 CPU with AVX2 and FMA for OPENBLAS_CORETYPE=Haswell"))
    struct GoldenCheckpointTests {
        struct Case: CustomTestStringConvertible, Sendable {
            var ranks: Int
            var flags: [String]
            /// FNV-1a (64-bit) of the run's last checkpoint, after two epochs.
            var digest: String

            var testDescription: String { "np \(ranks) \(flags.joined(separator: " "))" }
        }

        /// Values written by the build of f625c95, before Training was split
        /// into targets, and unchanged since.
        static let cases: [Case] = [
            Case(ranks: 1, flags: ["--deterministic", "4", "--blas-threads", "1"], digest: "ba8c778123d9d9bf"),
            Case(ranks: 2, flags: ["--deterministic", "4", "--blas-threads", "1"], digest: "f648ed484ebc9e84"),
            Case(ranks: 4, flags: ["--deterministic", "4", "--blas-threads", "1"], digest: "6c7373bcb7b1e5f4"),
            Case(ranks: 1, flags: ["--lr-schedule", "cosine", "--warmup-steps", "3", "--kl-warmup", "5",
                                   "--clip-grad-norm", "2", "--patience", "4", "--recon", "gaussian"],
                 digest: "fad762fc1aa4db5a"),
            Case(ranks: 2, flags: ["--gradient-sync", "sharded", "--binarize"], digest: "dc3082a4ca8a2bf3"),
            Case(ranks: 2, flags: ["--gradient-sync", "shared", "--accumulate", "2"], digest: "1403ee35e4d3dea2"),
        ]

        @Test(arguments: cases)
        func theSameCommandWritesTheSameCheckpoint(_ golden: Case) throws {
            let run = try SmallRun()
            let result = run.train(ranks: golden.ranks, ["--epochs", "2"] + golden.flags,
                                   environment: ["OPENBLAS_CORETYPE": "Haswell"])
            expectSuccess(result)
            let newest = try #require(try CheckpointDirectory(path: run.out.path, keep: 1).checkpointPaths().first)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: newest))
            #expect(Self.fnv1a(bytes) == golden.digest, "\(newest) of \(golden.testDescription)")
        }

        static func fnv1a(_ bytes: Data) -> String {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            }
            return String(hash, radix: 16)
        }
    }
}

/// Whether this CPU runs OpenBLAS's Haswell kernels (x86-64 with AVX2 and FMA).
private let cpuRunsHaswellKernels: Bool = {
    #if arch(x86_64)
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
    let words = Set(flags.split(separator: " ").map(String.init))
    return words.contains("avx2") && words.contains("fma")
    #else
    return false
    #endif
}()
