import Testing
import VAE
@testable import Training

/// The memory estimate that refuses a run before it allocates: with
/// `--deterministic`, every micro-shard a rank holds costs gradients and
/// weight-tile terms, so a run with tens of thousands of them must be refused
/// even though its batch alone fits.
@Suite struct MemoryEstimateTests {
    static let gibibyte = 1 << 30
    static let model = (hidden: [400], latent: 20, input: 784)

    func refusal(rows: Int, shards: Int, available: Int = 24 * gibibyte) -> String? {
        MemoryEstimate.refusal(hidden: Self.model.hidden, latent: Self.model.latent, rowsPerRank: rows,
                               deterministicShardsPerRank: shards, inputSize: Self.model.input, available: available)
    }

    @Test func aFullBatchFitsUntilEveryRowIsItsOwnMicroShard() throws {
        #expect(refusal(rows: 60_000, shards: 0) == nil, "60000 rows of activations are about 1.2 GB")
        #expect(refusal(rows: 60_000, shards: 8) == nil)
        let line = try #require(refusal(rows: 60_000, shards: 60_000))
        #expect(line.contains("60000 --deterministic micro-shards per rank"), "\(line)")
        #expect(line.contains("180014 copies"), "3 per micro-shard, 4 for the start-up check and the sums, 10 without: \(line)")
        #expect(line.hasSuffix("or fewer --deterministic micro-shards"), "\(line)")
    }

    @Test func eachMicroShardCostsAtLeastThreeParameterCopies() throws {
        let architecture = Architecture(inputSize: Self.model.input, hidden: Self.model.hidden, latent: Self.model.latent)
        let plain = try #require(MemoryEstimate(architecture: architecture, rowsPerRank: 128, deterministicShardsPerRank: 0))
        let eight = try #require(MemoryEstimate(architecture: architecture, rowsPerRank: 128, deterministicShardsPerRank: 8))
        #expect(eight.bytes - plain.bytes >= 4 * plain.parameters * (3 * 8 + 4))
        #expect(plain.copies == 10 && eight.copies == 38)
    }

    @Test func countsBeyondIntAreRefusedNotWrapped() throws {
        let line = try #require(refusal(rows: 128, shards: Int.max / 2))
        #expect(line.contains("too large to count in memory"), "\(line)")
    }
}
