extension DeterministicSynchronizer {
    /// Parameter-sized Float buffers this strategy holds beyond those of
    /// every run, with `shardsPerRank` (G) micro-shards per rank: 3G + 4, as
    /// at most G micro-shard gradients (one tree sum without `--accumulate`),
    /// 2G + 1 more while the start-up check compares its two ways, and 3 for
    /// the sums across ranks (the fixed-point ones are the largest). Nil:
    /// more than `Int`.
    package static func extraParameterCopies(shardsPerRank: Int) -> Int? {
        let (triple, tripleOverflows) = shardsPerRank.multipliedReportingOverflow(by: 3)
        let (copies, sumOverflows) = triple.addingReportingOverflow(4)
        return tripleOverflows || sumOverflows ? nil : copies
    }
}
