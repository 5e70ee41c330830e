import Dataset
import MPI
import Randomness
import Checkpoints
import TrainingCore

/// The rows a run trains and is scored on, checked and agreed by every rank.
///
/// Training rows come from `--data`; test rows from `--test-data`, from the
/// input's own test split (MNIST layout), from `--holdout F` (a fixed
/// fraction of the training input, chosen by `--holdout-seed` alone), or
/// nowhere (then no test metrics are computed).
package struct TrainingData {
    package let train: SampleRows
    package let test: SampleRows?
    /// Describes the input, for logs.
    package let description: String
    package let path: String
    package let normalization: Normalization

    package var shape: SampleShape { train.shape }

    package struct Options {
        var data: String
        var testData: String?
        var holdout: Double?
        var holdoutSeed: UInt64
        var normalize: Normalization.Mode
        var requiresUnitRange: Bool
        /// Named in messages about the range.
        var reconstruction: String

        package init(data: String, testData: String?, holdout: Double?, holdoutSeed: UInt64,
                     normalize: Normalization.Mode, requiresUnitRange: Bool, reconstruction: String) {
            self.data = data
            self.testData = testData
            self.holdout = holdout
            self.holdoutSeed = holdoutSeed
            self.normalize = normalize
            self.requiresUnitRange = requiresUnitRange
            self.reconstruction = reconstruction
        }
    }

    package static func load(_ options: Options, communicator: Communicator) throws(TrainingError) -> TrainingData {
        let input = try DataInput.open(options.data, flag: "--data", communicator: communicator)
        var train = SampleRows(input.samples, labels: input.labels)
        var test: SampleRows?
        if let testPath = options.testData {
            let opened = try DataInput.open(testPath, flag: "--test-data", communicator: communicator)
            // An MNIST directory as --test-data contributes its test split.
            let samples = opened.test?.samples ?? opened.samples
            test = SampleRows(samples, labels: opened.test?.labels ?? opened.labels)
        } else if let fraction = options.holdout {
            // Every rank reaches the same verdict; agreeing makes rank 0 alone report it.
            (train, test) = try communicator.agree { () throws(TrainingError) -> (SampleRows, SampleRows?) in
                if input.test != nil {
                    throw .configuration("--holdout: \(options.data) has its own test split (t10k- files); --holdout is for inputs without one (or pass --test-data)")
                }
                return try split(input, fraction: fraction, seed: options.holdoutSeed, worldSize: communicator.size)
            }
        } else if let own = input.test {
            test = SampleRows(own.samples, labels: own.labels)
        }
        try communicator.agree { [train, test] () throws(TrainingError) in
            if let test, test.shape.features != train.shape.features {
                throw .configuration("--test-data \(test.matrix.source): samples have \(test.shape), the training data \(train.shape)")
            }
            guard train.count <= Int(UInt32.max) else {
                throw .configuration("--data \(options.data): \(train.count) rows; vae-dist trains on at most \(UInt32.max)")
            }
        }
        try checkSameData(train: train, test: test, path: options.data, communicator: communicator)
        let normalization = try checkValues(train: train, test: test, options: options, communicator: communicator)
        return TrainingData(train: train, test: test, description: input.kind, path: options.data, normalization: normalization)
    }

    /// Moves round(F·N) rows, chosen by a permutation of `seed` alone, into the test set.
    static func split(_ input: DataInput, fraction: Double, seed: UInt64, worldSize: Int) throws(TrainingError) -> (SampleRows, SampleRows) {
        let count = input.samples.count
        let testCount = Int((fraction * Double(count)).rounded())
        guard testCount >= worldSize, count - testCount >= worldSize, count <= Int(UInt32.max) else {
            throw .configuration("--holdout \(fraction) of the \(count) rows in \(input.path) leaves \(testCount) test and \(count - testCount) training rows; each needs at least one per rank (\(worldSize))")
        }
        var rows = (0..<UInt32(count)).map { $0 }
        var generator = SplitMix64(seed: seed, stream: 0x484F_4C44_4F55_5400)
        for index in 0..<testCount {
            let other = index + Int(generator.next() % UInt64(count - index))
            rows.swapAt(index, other)
        }
        let testRows = rows[..<testCount].sorted()
        let trainRows = rows[testCount...].sorted()
        return (SampleRows(input.samples, rows: trainRows, labels: input.labels),
                SampleRows(input.samples, rows: testRows, labels: input.labels))
    }

    /// Every rank must train on the same samples: a node with a different
    /// copy of the data would silently train a different model. The digest
    /// samples fixed blocks of each file (see ``SampleMatrix/digest``), so
    /// agreeing costs no full read of a large file.
    static func checkSameData(train: SampleRows, test: SampleRows?, path: String,
                              communicator: Communicator) throws(TrainingError) {
        let mine = [train.matrix.digest, UInt64(train.count), test?.matrix.digest ?? 0, UInt64(test?.count ?? 0)]
        let all: [UInt64]
        do {
            all = try communicator.allgather(mine)
        } catch {
            throw .mpi(error)
        }
        for rank in 1..<communicator.size where Array(all[(4 * rank)..<(4 * rank + 4)]) != Array(all[0..<4]) {
            throw .ranksDisagree("rank \(rank) loaded different data from rank 0 (check that --data \(path) holds the same files on every node)")
        }
    }

    /// The one pass over the values that float data (finiteness, range) and
    /// `--normalize` need, split over the ranks; uint8 data with the
    /// defaults needs none.
    static func checkValues(train: SampleRows, test: SampleRows?, options: Options,
                            communicator: Communicator) throws(TrainingError) -> Normalization {
        let needsPass = train.matrix.element != .uint8 || (test.map { $0.matrix.element != .uint8 } ?? false)
            || options.normalize != .none
        guard needsPass else { return .identity }
        let trainStatistics = try train.distributedStatistics(communicator: communicator)
        let testStatistics = try test?.distributedStatistics(communicator: communicator)
        // The statistics are the same on every rank, so is the verdict: rank 0 reports it.
        return try communicator.agree { () throws(TrainingError) -> Normalization in
            try verdict(train: train, trainStatistics: trainStatistics, test: test, testStatistics: testStatistics,
                        options: options)
        }
    }

    private static func verdict(train: SampleRows, trainStatistics: SampleStatistics, test: SampleRows?,
                                testStatistics: SampleStatistics?, options: Options) throws(TrainingError) -> Normalization {
        if let row = trainStatistics.firstNonFiniteRow {
            throw .configuration("\(train.matrix.source): row \(row) holds NaN or Inf (vae-dist trains on finite values only)")
        }
        var range = (trainStatistics.minimum, trainStatistics.maximum)
        if let test, let testStatistics {
            if let row = testStatistics.firstNonFiniteRow {
                throw .configuration("\(test.matrix.source): row \(row) holds NaN or Inf (vae-dist scores finite values only)")
            }
            range = (min(range.0, testStatistics.minimum), max(range.1, testStatistics.maximum))
        }
        let normalization = Normalization(mode: options.normalize, fittedTo: trainStatistics)
        if options.requiresUnitRange {
            switch options.normalize {
            case .none where range.0 < 0 || range.1 > 1:
                throw .configuration("--recon \(options.reconstruction) needs values in [0, 1] (its decoder ends in a sigmoid); \(options.data) holds values from \(range.0) to \(range.1): pass --normalize minmax, or use --recon gaussian or mae")
            case .standard:
                throw .configuration("--recon \(options.reconstruction) needs values in [0, 1] (its decoder ends in a sigmoid), which --normalize standard does not give: use --normalize minmax, or --recon gaussian or mae")
            default:
                break
            }
        }
        return normalization
    }
}

extension SampleRows {
    /// Statistics of every row, computed by all ranks: the rows are cut into
    /// fixed blocks, each scanned by one rank into its own slots, and after
    /// one sum-allreduce the blocks are merged in block order, so the result
    /// is the same bits on any number of ranks.
    func distributedStatistics(communicator: Communicator) throws(TrainingError) -> SampleStatistics {
        let packedCount = SampleStatistics.packedCount(featureCount: shape.features)
        let blocks = max(1, min(256, count, 4_194_304 / packedCount))
        var slots = [Double](repeating: 0, count: blocks * packedCount)
        for block in stride(from: communicator.rank, to: blocks, by: communicator.size) {
            let rows = evenShard(count: count, parts: blocks, index: block)
            let packed = scan(rows).packed
            for (offset, value) in packed.enumerated() { slots[block * packedCount + offset] = value }
        }
        do {
            try communicator.allreduce(&slots)
        } catch {
            throw .mpi(error)
        }
        return SampleStatistics(mergingPacked: slots, parts: blocks)
    }
}
