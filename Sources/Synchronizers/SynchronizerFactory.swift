import Dataset
import MPI
import VAE

/// What a run's settings say about its gradient synchronization.
package struct SynchronizerSettings {
    package var gradientSync: GradientSync
    /// `--deterministic M` (0: off).
    package var deterministicShards: Int
    package var clipGradNorm: Float?
    package var overlap: Bool
    package var accumulate: Int
    package var learningRate: Float
    package var seed: UInt64
    package var reconstruction: Reconstruction
    /// Test-only: `--deterministic` splits its row-wise GEMMs even where the check says it need not.
    package var forcesRowwiseGEMMSplit: Bool

    package init(gradientSync: GradientSync, deterministicShards: Int, clipGradNorm: Float?, overlap: Bool,
                 accumulate: Int, learningRate: Float, seed: UInt64, reconstruction: Reconstruction,
                 forcesRowwiseGEMMSplit: Bool) {
        self.gradientSync = gradientSync
        self.deterministicShards = deterministicShards
        self.clipGradNorm = clipGradNorm
        self.overlap = overlap
        self.accumulate = accumulate
        self.learningRate = learningRate
        self.seed = seed
        self.reconstruction = reconstruction
        self.forcesRowwiseGEMMSplit = forcesRowwiseGEMMSplit
    }
}

/// A line for rank 0's log about the strategy chosen.
package enum SynchronizerNote {
    case info(String)
    case notice(String)
}

/// Builds the strategy a run's settings ask for, or the one its choice falls
/// back to when this job cannot run it.
///
/// `--deterministic` has a strategy of its own (it borrows only whether
/// Adam is sharded). Otherwise each `--gradient-sync` choice is tried in
/// turn: one this job cannot run (``build(_:settings:architecture:sampler:communicator:note:)``
/// says nil) gives way to its entry in ``fallbacks``; `allreduce` always runs.
package enum SynchronizerFactory {
    /// Where a choice goes when the job cannot run it: `shared` when the
    /// nodes run unequal numbers of ranks (the two-level sum has no partner
    /// for every rank), `sharded` on one rank (there is nothing to shard).
    package static let fallbacks: [GradientSync: GradientSync] = [
        .shared: .sharded,
        .sharded: .allreduce,
    ]

    /// The strategy for `settings` on this job; `note` hears what rank 0
    /// should log about it (every rank hears the same notes).
    package static func make(_ settings: SynchronizerSettings, architecture: Architecture, sampler: DistributedSampler,
                             communicator: Communicator,
                             note: (SynchronizerNote) -> Void) throws(MPIError) -> GradientSynchronizer {
        if settings.deterministicShards > 0 {
            return makeDeterministic(settings, architecture: architecture, sampler: sampler, communicator: communicator,
                                     note: note)
        }
        var choice = settings.gradientSync
        while true {
            if let strategy = try build(choice, settings: settings, architecture: architecture, sampler: sampler,
                                        communicator: communicator, note: note) {
                return strategy
            }
            guard let next = fallbacks[choice] else { preconditionFailure("\(choice.rawValue) has no fallback") }
            choice = next
        }
    }

    /// `choice`'s strategy, or nil when this job cannot run it (with a note
    /// saying why, where the user should hear it).
    static func build(_ choice: GradientSync, settings: SynchronizerSettings, architecture: Architecture,
                      sampler: DistributedSampler, communicator: Communicator,
                      note: (SynchronizerNote) -> Void) throws(MPIError) -> GradientSynchronizer? {
        switch choice {
        case .allreduce:
            return AllreduceSynchronizer(architecture: architecture, sampler: sampler, accumulate: settings.accumulate,
                                         learningRate: settings.learningRate,
                                         overlap: settings.overlap && communicator.size > 1, communicator: communicator)
        case .sharded:
            guard communicator.size > 1 else { return nil }
            return ShardedSynchronizer(architecture: architecture, sampler: sampler, accumulate: settings.accumulate,
                                       learningRate: settings.learningRate, communicator: communicator)
        case .shared:
            switch try NodeTopology.discover(world: communicator) {
            case let .balanced(topology):
                note(.info("--gradient-sync shared: \(topology.nodeCount) node(s) x \(topology.node.size) rank(s), one copy of the parameters and Adam's moments per node"))
                return try SharedMemorySynchronizer(
                    architecture: architecture, sampler: sampler, accumulate: settings.accumulate,
                    learningRate: settings.learningRate, topology: topology, isWorldRoot: communicator.isRoot)
            case let .unbalanced(ranksPerNode):
                note(.notice("--gradient-sync shared: the nodes run unequal numbers of ranks (\(ranksPerNode.map(String.init).joined(separator: " + "))), so the two-level sum has no partner for every rank; using \(fallbacks[.shared]!.rawValue) instead"))
                return nil
            }
        }
    }

    private static func makeDeterministic(_ settings: SynchronizerSettings, architecture: Architecture,
                                          sampler: DistributedSampler, communicator: Communicator,
                                          note: (SynchronizerNote) -> Void) -> GradientSynchronizer {
        let sharded = settings.gradientSync == .sharded && communicator.size > 1
        if sharded, settings.clipGradNorm != nil {
            note(.notice("--deterministic with --clip-grad-norm: Adam is not sharded (every rank needs the whole sum for the norm it clips by each step), so every rank updates all parameters"))
        }
        // Clipping needs a norm that is the same bits at every rank count
        // on every step: the whole, unsharded sum gives one without an
        // extra gather (see DeterministicSynchronizer).
        let deterministic = DeterministicSynchronizer(
            shards: settings.deterministicShards, architecture: architecture,
            reconstruction: settings.reconstruction, sampleCount: sampler.sampleCount,
            globalBatchSize: sampler.globalBatchSize, accumulate: settings.accumulate, seed: settings.seed,
            learningRate: settings.learningRate, sharded: sharded && settings.clipGradNorm == nil,
            forcesRowwiseGEMMSplit: settings.forcesRowwiseGEMMSplit, communicator: communicator)
        let rowwise = if settings.forcesRowwiseGEMMSplit {
            "per micro-shard (forced by VAE_DIST_TEST_FAULT)"
        } else if deterministic.splitsRowwiseGEMMs {
            "per micro-shard (at this run's row count, this BLAS gives rows other bits than on their micro-shard alone)"
        } else {
            "on each rank's whole batch (checked at start-up: at this run's row count, every row has its micro-shard's bits)"
        }
        note(.info("--deterministic \(settings.deterministicShards): micro-shard gradients summed by \(deterministic.summation.rawValue); row-wise GEMMs \(rowwise)"))
        return deterministic
    }
}
