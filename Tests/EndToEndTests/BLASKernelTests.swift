import Foundation
import Testing
import TestSupport
import Tensors

extension ProcessTests {
    /// The OpenBLAS kernel choice, seen from the command line: a forced poor
    /// choice corrected, a user's choice obeyed, an unknown name reported,
    /// and ranks on different kernels refused under --deterministic.
    @Suite struct BLASKernelTests {
        /// What vae-dist should run instead of a forced Prescott on this CPU.
        static var expectedBetterKernel: String? {
            switch CPUFeatures.current.vectorLevel {
            case .avx512: "SkylakeX"
            case .avx2: CPUFeatures.current.vendor == "AuthenticAMD" || CPUFeatures.current.vendor == "HygonGenuine" ? "Zen" : "Haswell"
            case .avx, .sse: nil
            }
        }

        private func blasLine(_ result: CommandResult) -> String? {
            result.combined.split(separator: "\n").first { $0.hasPrefix("BLAS: ") }.map(String.init)
        }

        /// OpenBLAS's Prescott fallback, treated as OpenBLAS's own choice (the
        /// test-only variable), is replaced by the best kernel the CPU runs,
        /// and the start-up line says so, for train and for benchmark gemm.
        @Test func aForcedFallbackIsReplacedAndSaid() throws {
            let environment = ["OPENBLAS_CORETYPE": "PRESCOTT", BLASKernel.coreTypeIsOpenBLASChoiceVariable: "1"]
            let run = try SmallRun()
            let result = run.train(ranks: 0, ["--max-steps", "2"], environment: environment)
            expectSuccess(result)
            let benchmark = Command.run(["benchmark", "gemm", "--repetitions", "1"], environment: environment)
            expectSuccess(benchmark)
            for line in [blasLine(result), blasLine(benchmark)] {
                let line = try #require(line, "no BLAS line in:\n\(result.combined)")
                if let better = Self.expectedBetterKernel {
                    #expect(line.contains(", \(better) kernels (OpenBLAS picked Prescott, which this "), "\(line)")
                } else {
                    #expect(line.contains(", Prescott kernels (OpenBLAS's choice"), "\(line)")
                }
            }
            let pointer = try String(contentsOf: run.out.appendingPathComponent("latest.json"), encoding: .utf8)
            #expect(pointer.contains("\"blas_kernels\": [\"\(Self.expectedBetterKernel ?? "Prescott")\"]"), "\(pointer)")
        }

        /// A resume on other kernels than the newest checkpoint's says so;
        /// a damaged `blas_kernels` (only informational) is dropped, never
        /// costing the run its pointer.
        @Test func aResumeOnOtherKernelsIsToldAndABadRecordIsDropped() throws {
            let run = try SmallRun()
            expectSuccess(run.train(ranks: 0, ["--max-steps", "1"], environment: ["OPENBLAS_CORETYPE": "NEHALEM"]))
            let resumed = run.train(ranks: 0, ["--max-steps", "2", "--resume", "auto"], environment: ["OPENBLAS_CORETYPE": "PRESCOTT"])
            expectSuccess(resumed)
            #expect(resumed.combined.contains("resuming on Prescott kernels where this run's newest checkpoint was computed on Nehalem kernels: from here on its bits differ from an uninterrupted run's (set OPENBLAS_CORETYPE=NEHALEM to keep them)"),
                    "\(resumed.combined)")
            let pointerURL = run.out.appendingPathComponent("latest.json")
            let pointer = try String(contentsOf: pointerURL, encoding: .utf8)
            #expect(pointer.contains("\"blas_kernels\": [\"Prescott\"]"), "\(pointer)")
            for hostile in ["12345", "[\"Sky\\nLake\"]", "{\"a\": 1}", "[" + Array(repeating: "\"Haswell\"", count: 100).joined(separator: ",") + "]"] {
                try pointer.replacingOccurrences(of: "[\"Prescott\"]", with: hostile).write(to: pointerURL, atomically: true, encoding: .utf8)
                let again = run.train(ranks: 0, ["--max-steps", "2", "--resume", "auto"], environment: ["OPENBLAS_CORETYPE": "PRESCOTT"])
                expectSuccess(again)
                #expect(!again.combined.contains("damaged") && !again.combined.contains("resuming on"), "\(hostile): \(again.combined)")
                #expect(!FileManager.default.fileExists(atPath: pointerURL.path + ".damaged"), "\(hostile)")
            }
        }

        /// The user's OPENBLAS_CORETYPE is obeyed and named, even below the CPU.
        @Test func aUsersCoreTypeIsObeyed() throws {
            let result = try SmallRun().train(ranks: 0, ["--max-steps", "1"], environment: ["OPENBLAS_CORETYPE": "PRESCOTT"])
            expectSuccess(result)
            let line = try #require(blasLine(result), "no BLAS line in:\n\(result.combined)")
            #expect(line.hasSuffix(", Prescott kernels (OPENBLAS_CORETYPE=PRESCOTT, as set)"), "\(line)")
        }

        /// A name OpenBLAS does not know: one warning line naming it, and the run goes on.
        @Test func aMisspelledCoreTypeIsNamedOnce() {
            let result = Command.run(["benchmark", "gemm", "--repetitions", "1"], environment: ["OPENBLAS_CORETYPE": "SKYLAKE-X"])
            expectSuccess(result)
            let warnings = result.error.split(separator: "\n").filter { $0.contains("OPENBLAS_CORETYPE") }
            #expect(warnings.count == 1, "\(result.error)")
            #expect(warnings.first?.hasPrefix("vae-dist: warning: OPENBLAS_CORETYPE=SKYLAKE-X is not a kernel name OpenBLAS") == true
                    || warnings.first?.hasPrefix("vae-dist: warning: OPENBLAS_CORETYPE=SKYLAKE-X: OpenBLAS") == true,
                    "\(result.error)")
        }

        /// Ranks on different kernels (as on nodes with different CPUs): listed
        /// by rank in the start-up line, and refused under --deterministic,
        /// whose bits depend on the kernel.
        @Test func ranksOnDifferentKernelsAreListedOrRefused() throws {
            let run = try SmallRun()
            let perRank = { (extra: [String]) in
                ["-np", "1", "-x", "OPENBLAS_CORETYPE=PRESCOTT", Command.binary] + run.arguments(extra)
                    + [":", "-np", "1", "-x", "OPENBLAS_CORETYPE=NEHALEM", Command.binary] + run.arguments(extra)
            }
            let mixed = Command.execute("/usr/bin/mpirun", ["--timeout", "120"] + perRank(["--max-steps", "1"]), timeout: 135)
            expectSuccess(mixed)
            let line = try #require(blasLine(mixed), "no BLAS line in:\n\(mixed.combined)")
            #expect(line.contains("Prescott kernels on rank 0; Nehalem kernels on rank 1"), "\(line)")

            let refused = Command.execute("/usr/bin/mpirun", ["--timeout", "120"]
                                          + perRank(["--max-steps", "1", "--deterministic", "2", "--resume", "auto"]), timeout: 135)
            #expect(refused.status == 1, "exit \(refused.status):\n\(refused.combined)")
            let refusals = refused.error.split(separator: "\n").filter { $0.contains("--deterministic needs the same BLAS kernels on every rank") }
            #expect(refusals.count == 1, "said once, not once per rank: \(refused.error)")
            #expect(refused.error.contains("Prescott kernels on rank 0; Nehalem kernels on rank 1"), "\(refused.error)")
        }
    }
}
