import Foundation
import Testing
import TestSupport
@testable import Training
@testable import Checkpoints

extension ProcessTests {
    /// `--deterministic 8`: the same bits on 1, 2, 4 and 8 ranks.
    @Suite struct DeterminismTests {
        /// Bit patterns of every tensor a checkpoint holds (model and Adam).
        func tensorBits(_ checkpoint: Checkpoint) -> [[UInt32]] {
            [checkpoint.parameters, checkpoint.firstMoment, checkpoint.secondMoment].map { $0.array.map(\.bitPattern) }
        }

        /// Where two lists of bit patterns first differ (nil: nowhere), so a
        /// failure names one element instead of printing every tensor.
        func firstDifference(_ bits: [[UInt32]], _ reference: [[UInt32]]) -> String? {
            guard bits.count == reference.count else { return "\(bits.count) tensors, \(reference.count) in the reference" }
            for (index, (tensor, expected)) in zip(bits, reference).enumerated() where tensor != expected {
                guard tensor.count == expected.count else { return "tensor \(index): \(tensor.count) values, \(expected.count) in the reference" }
                let element = tensor.indices.first { tensor[$0] != expected[$0] } ?? 0
                return "tensor \(index) element \(element): \(tensor[element]) against \(expected[element])"
            }
            return nil
        }

        func lossFields(_ run: SmallRun) throws -> [String] {
            try run.metricsLines().map { line in
                ["epoch", "step", "train_loss", "train_recon", "train_kl", "grad_norm", "test_loss", "test_recon", "test_kl"]
                    .map { "\($0)=\(line[$0] ?? "missing")" }.joined(separator: " ")
            }
        }

        @Test func thirtyStepsGiveIdenticalBitsOnOneTwoFourAndEightRanks() throws {
            let data = try SyntheticDataset()
            var reference: ([[UInt32]], [String])?
            for ranks in [1, 2, 4, 8] {
                let run = try SmallRun(data: data)
                // --log-every 5 measures the gradient norm mid-epoch too, so the
                // checkpoint's running sum of norms (steps 25 and 30) is compared.
                expectSuccess(run.train(ranks: ranks, ["--deterministic", "8", "--max-steps", "30", "--epochs", "5", "--log-every", "5"]))
                let checkpoint = try run.checkpoint(step: 30)
                #expect(checkpoint.worldSize == ranks && checkpoint.deterministicShards == 8)
                #expect(checkpoint.progress.epochGradientNormCount == 2)
                let norms = checkpoint.progress.epochGradientNormSum.bitPattern
                let bits = tensorBits(checkpoint) + [[UInt32(truncatingIfNeeded: norms), UInt32(truncatingIfNeeded: norms >> 32)]]
                let metrics = try lossFields(run)
                #expect(metrics.count == 3, "three epochs of 8 steps end before step 30")
                if let (referenceBits, referenceMetrics) = reference {
                    #expect(firstDifference(bits, referenceBits) == nil, "np=\(ranks): tensors differ from np=1")
                    #expect(metrics == referenceMetrics, "np=\(ranks): metrics differ from np=1")
                } else {
                    reference = (bits, metrics)
                }
            }
        }

        @Test func resumingOnAnotherRankCountStaysIdentical() throws {
            let data = try SyntheticDataset()
            let straight = try SmallRun(data: data)
            expectSuccess(straight.train(ranks: 1, ["--deterministic", "8", "--max-steps", "20", "--epochs", "5"]))
            let switched = try SmallRun(data: data)
            expectSuccess(switched.train(ranks: 2, ["--deterministic", "8", "--max-steps", "12", "--epochs", "5"]))
            expectSuccess(switched.train(ranks: 4, ["--deterministic", "8", "--max-steps", "20", "--epochs", "5", "--resume", "auto"]))
            #expect(firstDifference(tensorBits(try switched.checkpoint(step: 20)), tensorBits(try straight.checkpoint(step: 20))) == nil)
        }

        /// Exact sums change only the rounding: the deterministic model stays
        /// within the data-parallel tolerance of the default one.
        @Test func deterministicModeComputesTheSameMathAsDefault() throws {
            let data = try SyntheticDataset()
            let exact = try SmallRun(data: data), plain = try SmallRun(data: data)
            expectSuccess(exact.train(ranks: 2, ["--deterministic", "8", "--max-steps", "20", "--epochs", "5"]))
            expectSuccess(plain.train(ranks: 2, ["--max-steps", "20", "--epochs", "5"]))
            let difference = relativeDifference(try plain.checkpoint(step: 20).parameters.array,
                                                try exact.checkpoint(step: 20).parameters.array)
            #expect(difference <= 1e-4, "deterministic differs from default by \(difference)")
        }

        /// `--deterministic` composes with `--accumulate`: each micro-shard
        /// sums its K micro-batches in its own replica, always in the same
        /// order, so the bits do not depend on the rank count; and the
        /// update equals the one large batch of K·B within tolerance.
        @Test func accumulationStaysBitwiseIdenticalOnOneTwoAndFourRanks() throws {
            let data = try SyntheticDataset()
            let arguments = ["--deterministic", "4", "--batch-size", "16", "--accumulate", "2", "--max-steps", "10", "--epochs", "5"]
            var reference: ([[UInt32]], [String])?
            for ranks in [1, 2, 4] {
                let run = try SmallRun(data: data)
                expectSuccess(run.train(ranks: ranks, arguments))
                let checkpoint = try run.checkpoint(step: 10)
                #expect(checkpoint.accumulate == 2 && checkpoint.deterministicShards == 4)
                let bits = tensorBits(checkpoint), metrics = try lossFields(run)
                if let (referenceBits, referenceMetrics) = reference {
                    #expect(firstDifference(bits, referenceBits) == nil, "np=\(ranks): tensors differ from np=1")
                    #expect(metrics == referenceMetrics, "np=\(ranks): metrics differ from np=1")
                } else {
                    reference = (bits, metrics)
                }
            }
            let large = try SmallRun(data: data)
            expectSuccess(large.train(ranks: 2, ["--deterministic", "4", "--max-steps", "10", "--epochs", "5"]))
            let accumulated = try #require(reference).0[0].map { Float(bitPattern: $0) }
            let difference = relativeDifference(try large.checkpoint(step: 10).parameters.array, accumulated)
            #expect(difference <= 1e-4, "accumulated 2 x 16 differs from one batch of 32 by \(difference)")
        }

        /// The start-up line says how the run keeps its bits, and the row-wise
        /// GEMMs' fallback (as on a BLAS whose rows change with the row count)
        /// changes nothing: the same bits as the whole-batch GEMMs. Micro-shards
        /// of 12 rows: OpenBLAS's Zen SGEMM passes the check only at multiples of 12.
        @Test func theFallbackForRowDependentGEMMsGivesTheSameBits() throws {
            let data = try SyntheticDataset()
            let arguments = ["--deterministic", "8", "--batch-size", "96", "--max-steps", "6", "--epochs", "5"]
            let wide = try SmallRun(data: data), fallback = try SmallRun(data: data)
            let wideResult = wide.train(ranks: 2, arguments)
            expectSuccess(wideResult)
            #expect(wideResult.combined.contains("summed by pairwise tree; row-wise GEMMs on each rank's whole batch"), "\(wideResult.error)")
            let fallbackResult = fallback.train(ranks: 2, arguments, environment: ["VAE_DIST_TEST_FAULT": "rowwise-gemms-differ"])
            expectSuccess(fallbackResult)
            #expect(fallbackResult.combined.contains("row-wise GEMMs per micro-shard"), "\(fallbackResult.error)")
            #expect(firstDifference(tensorBits(try fallback.checkpoint(step: 6)), tensorBits(try wide.checkpoint(step: 6))) == nil)
            #expect(try lossFields(fallback) == lossFields(wide))
        }

        /// A micro-shard count that is not a power of two has no pairwise tree
        /// for every divisor: its sums are exact fixed point, and 1, 2 and 3
        /// ranks still give the same bits.
        @Test func sixMicroShardsSumInFixedPointOnOneTwoAndThreeRanks() throws {
            let data = try SyntheticDataset()
            var reference: [[UInt32]]?
            for ranks in [1, 2, 3] {
                let run = try SmallRun(data: data)
                let result = run.train(ranks: ranks, ["--deterministic", "6", "--batch-size", "48", "--max-steps", "6", "--epochs", "5"])
                expectSuccess(result)
                #expect(result.combined.contains("summed by fixed point"), "\(result.combined)")
                let bits = tensorBits(try run.checkpoint(step: 6))
                if let reference {
                    #expect(firstDifference(bits, reference) == nil, "np=\(ranks): tensors differ from np=1")
                } else {
                    reference = bits
                }
            }
        }

        /// A checkpoint of another M cannot continue a run: --resume auto
        /// names why it skips it and refuses, once, and keeps the file.
        @Test func resumingWithAnotherShardCountIsRefusedNamingBoth() throws {
            let run = try SmallRun()
            expectSuccess(run.train(ranks: 2, ["--deterministic", "8", "--max-steps", "3"]))
            let result = run.train(ranks: 2, ["--deterministic", "4", "--max-steps", "6", "--resume", "auto"])
            #expect(result.status == 1, "\(result.combined)")
            #expect(result.combined.contains("it was trained with --deterministic 8, this run uses 4"), "\(result.combined)")
            #expect(result.combined.contains("none of the 1 checkpoint(s) in \(run.out.path) can continue this run"), "\(result.combined)")
            #expect(!result.combined.contains("lists no checkpoint"), "no detour through files already tried:\n\(result.combined)")
            #expect(try run.checkpoint(step: 3).deterministicShards == 8, "the checkpoint is kept")
        }

        @Test func overlapIsRefusedWithTheReason() throws {
            let result = try SmallRun().train(ranks: 0, ["--deterministic", "8", "--gradient-sync", "allreduce", "--overlap"])
            #expect(result.status == 64)
            #expect(result.error.contains("--overlap cannot be combined with --deterministic: the exact sum needs"), "\(result.error)")
        }

        @Test func aRankCountThatDoesNotDivideTheShardsIsRefused() throws {
            let result = try SmallRun().train(ranks: 3, ["--deterministic", "8", "--batch-size", "48"])
            #expect(result.status == 1)
            #expect(result.error.contains("--deterministic 8 needs a number of ranks that divides 8; this job has 3"), "\(result.error)")
        }
    }
}
