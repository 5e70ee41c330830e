import Testing
@testable import Dataset

@Suite struct DistributedSamplerTests {
    @Test(arguments: [1, 2, 3, 4])
    func shardsOfEveryStepAreDisjointAndCoverTheGlobalBatch(ranks: Int) {
        let batch = 12
        let samplers = (0..<ranks).map {
            DistributedSampler(sampleCount: 100, globalBatchSize: batch, rank: $0, worldSize: ranks, seed: 9)
        }
        let order = samplers[0].order(epoch: 2)
        #expect(samplers[0].stepsPerEpoch == 8, "the partial last batch is dropped")
        for step in 0..<samplers[0].stepsPerEpoch {
            var covered = [Int]()
            for sampler in samplers {
                #expect(sampler.order(epoch: 2) == order, "every rank derives the same order")
                covered += sampler.positions(step: step).map { Int(order[$0]) }
            }
            #expect(covered.count == batch)
            #expect(Set(covered).count == batch, "no sample appears twice in a step")
            #expect(covered == (step * batch..<(step + 1) * batch).map { Int(order[$0]) }, "together the shards are the global batch")
        }
    }

    @Test func orderIsAPermutationFixedBySeedAndEpoch() {
        let sampler = DistributedSampler(sampleCount: 1000, globalBatchSize: 10, rank: 0, worldSize: 1, seed: 4)
        let first = sampler.order(epoch: 0)
        #expect(first.sorted() == Array(0..<1000))
        #expect(first != Array(0..<1000))
        #expect(sampler.order(epoch: 0) == first)
        #expect(sampler.order(epoch: 1) != first)
        let otherSeed = DistributedSampler(sampleCount: 1000, globalBatchSize: 10, rank: 0, worldSize: 1, seed: 5)
        #expect(otherSeed.order(epoch: 0) != first)
    }

    @Test func evenShardsCountEverySampleOnce() {
        for parts in 1...7 {
            let ranges = (0..<parts).map { evenShard(count: 10, parts: parts, index: $0) }
            #expect(ranges.flatMap { Array($0) } == Array(0..<10))
            #expect(ranges.map(\.count).max()! - ranges.map(\.count).min()! <= 1)
        }
    }
}
