import ArgumentParser
import Dataset
import Foundation
import Logging
import MPI
import SystemIO
import Training
import VAE
import Checkpoints
import Synchronizers
import TrainingCore
import TrainingInput

extension Reconstruction: ExpressibleByArgument {}
extension Normalization.Mode: ExpressibleByArgument {}
extension TrainingSchedule.Shape: ExpressibleByArgument {}
extension GradientSync: ExpressibleByArgument {}

struct Train: ParsableCommand, FlagSpellings {
    static let flagNames = ["initialWeights": "--init"]

    static let configuration = CommandConfiguration(
        abstract: "Train a VAE on your data (an MNIST directory, a .npy array or a folder of PNGs), data-parallel over the job's ranks.",
        discussion: """
            Rank 0 prints one line per epoch, appends it to OUT/metrics.jsonl, writes \
            OUT/samples.png and OUT/recon.png and a checkpoint OUT/checkpoint-<step>.safetensors. \
            --batch-size is the global batch: each of N ranks takes batch/N samples of every step, \
            so N ranks compute the same update as one process.
            Exit status: 0 done, 1 a run-time error (reported on standard error), 64 bad usage, \
            75 stopped by a signal after writing a checkpoint (continue with --resume auto). \
            A rank that waits for the others longer than --stall-timeout (a rank stopped or hung) ends \
            the job with exit 1; the newest checkpoint stays intact.
            """)

    @OptionGroup var data: DataOption

    @Option(name: .customLong("test-data"),
            help: "A separate test set (any kind --data takes; an MNIST directory gives its t10k- split).")
    var testData: String?

    @Option(parsing: .unconditional,
            help: "Move this fraction (0 < F < 1) of the training rows into the test set (inputs without a test split).")
    var holdout: Double?

    @Option(name: .customLong("holdout-seed"), parsing: .unconditional,
            help: "Which rows --holdout takes (independent of --seed, so runs with different seeds score the same rows).")
    var holdoutSeed: UInt64 = TrainingDefaults.holdoutSeed

    @Option(help: "none, minmax (one global range onto [0, 1]) or standard (per-feature mean and deviation), from the training rows.")
    var normalize: Normalization.Mode = .none

    @Flag(help: "Dynamic binarization: each value x (in [0, 1]) becomes a Bernoulli(x) draw, anew every epoch (needs --recon bce).")
    var binarize = false

    @Option(help: "Output directory for metrics, images and checkpoints.")
    var out: String = "vae-run"

    @Option(help: "Encoder hidden widths, comma-separated; the decoder mirrors them.")
    var hidden: LayerWidths = LayerWidths([400])

    @Option(parsing: .unconditional, help: "Latent dimensions.")
    var latent: Int = 20

    @Option(help: "bce (Bernoulli decoder, data in [0, 1]), gaussian (learned per-feature variance: a likelihood for real-valued data), mse or mae (squared / absolute error: losses, not likelihoods; mse on a sigmoid output in [0, 1]).")
    var recon: Reconstruction = .bce

    @Option(parsing: .unconditional, help: "Weight of the KL term (1 gives the ELBO).")
    var beta: Float = 1

    @Option(parsing: .unconditional, help: "Adam learning rate.")
    var lr: Float = 1e-3

    @Option(name: .customLong("lr-schedule"),
            help: "constant, cosine (annealed to --lr-min at the run's last step) or step (times --lr-gamma every --lr-step-every steps).")
    var lrSchedule: TrainingSchedule.Shape = .constant

    @Option(name: .customLong("warmup-steps"), parsing: .unconditional, help: "Linear learning-rate warm-up over the first N steps.")
    var warmupSteps: Int = 0

    @Option(name: .customLong("lr-min"), parsing: .unconditional, help: "The cosine schedule's final learning rate.")
    var lrMin: Float = 0

    @Option(name: .customLong("lr-step-every"), parsing: .unconditional, help: "The step schedule's steps between decays.")
    var lrStepEvery: Int = 1000

    @Option(name: .customLong("lr-gamma"), parsing: .unconditional, help: "The step schedule's factor per decay.")
    var lrGamma: Float = 0.5

    @Option(name: .customLong("kl-warmup"), parsing: .unconditional,
            help: "KL warm-up: beta rises linearly from 0 at step 0 to --beta at step N (against posterior collapse).")
    var klWarmup: Int = 0

    @Option(name: .customLong("clip-grad-norm"), parsing: .unconditional,
            help: "Clip the summed gradient to this global L2 norm (as torch.nn.utils.clip_grad_norm_).")
    var clipGradNorm: Float?

    @Option(parsing: .unconditional,
            help: "Stop when the held-out loss (reconstruction + KL) has not improved for K epochs; keeps OUT/best.safetensors. Needs a test set.")
    var patience: Int?

    @Option(parsing: .unconditional, help: "Epochs to train (in total, counting those of a resumed checkpoint).")
    var epochs: Int = 10

    @Option(name: .customLong("batch-size"), parsing: .unconditional, help: "Global batch size, split evenly over the ranks.")
    var batchSize: Int = 128

    @Option(parsing: .unconditional, help: "Sum the gradients of K batches before each update (effective batch K x --batch-size).")
    var accumulate: Int = 1

    @Option(parsing: .unconditional, help: "Seed for initialization, data order and noise.")
    var seed: UInt64 = 1

    @Option(name: .customLong("max-steps"), parsing: .unconditional, help: "Stop after this many optimizer steps in total.")
    var maxSteps: Int?

    @Option(name: .customLong("checkpoint-every"), parsing: .unconditional, help: "Also checkpoint every N steps (0: only at epoch ends).")
    var checkpointEvery: Int = 0

    @Option(parsing: .unconditional, help: "Checkpoints to keep (newest first).")
    var keep: Int = 3

    @Option(help: "Resume from a checkpoint file (an older one of --out starts a new branch), or 'auto' for the newest one OUT/latest.json names.")
    var resume: String?

    @Option(name: .customLong("init"), help: "Start from these weights (safetensors with PyTorch names: vae-dist export, a checkpoint, or PyTorch's save_file) unless a checkpoint is resumed.")
    var initialWeights: String?

    @Option(name: .customLong("blas-threads"), parsing: .unconditional, help: "OpenBLAS threads per rank.")
    var blasThreads: Int = 1

    @Option(name: .customLong("images-every"), parsing: .unconditional, help: "Write samples.png and recon.png every N epochs (0: never).")
    var imagesEvery: Int = 1

    @Option(name: .customLong("log-every"), parsing: .unconditional,
            help: "When output is not a terminal, a progress line every N steps (0: only per epoch). On a terminal, a progress bar.")
    var logEvery: Int = 100

    @Option(name: .customLong("max-bad-steps"), parsing: .unconditional,
            help: "Stop when this many consecutive steps had NaN/Inf (each is skipped on every rank).")
    var maxBadSteps: Int = 20

    @Option(name: .customLong("gradient-sync"),
            help: "sharded: reduce-scatter, Adam on 1/N of the parameters per rank, allgather (ZeRO-1); allreduce: one allreduce, Adam on all parameters everywhere; shared: the ranks of a node sum in shared memory and keep one copy of the parameters and Adam per node, nodes allreduce (equal ranks per node, else sharded).")
    var gradientSync: GradientSync = .sharded

    @Flag(help: "With --gradient-sync allreduce on 2+ ranks: send the decoder's gradients while the encoder's backward runs.")
    var overlap = false

    @Option(parsing: .unconditional,
            help: "Bitwise-reproducible training on any number of ranks dividing M: each batch is cut into M micro-shards summed exactly (0: off; see docs/determinism.md).")
    var deterministic: Int = 0

    @Option(name: .customLong("stall-timeout"), parsing: .unconditional,
            help: "End the job (exit 1, one line naming the step and where) when a rank has waited this many seconds for the others at one synchronization point (a rank stopped or hung), raised to 20 x the median step time for slow steps; 0: wait forever.")
    var stallTimeout: Double = 240

    @Option(help: "Settings from a JSON file (OUT/config.json of an earlier run, or an object of the same keys); flags given here override it.")
    var config: String?

    @Flag(help: "Log more (each checkpoint written).")
    var verbose = false

    func validate() throws {
        func require(_ condition: Bool, _ message: String) throws {
            if !condition { throw ValidationError(message) }
        }
        try require(latent > 0, "--latent must be positive (got \(latent))")
        try require(warmupSteps >= 0, "--warmup-steps must be >= 0 (got \(warmupSteps))")
        try require(lr > 0 && lr.isFinite, "--lr must be a finite number > 0 (got \(lr))")
        try require(lrMin >= 0 && lrMin.isFinite && lrMin <= lr, "--lr-min must lie between 0 and --lr \(lr) (got \(lrMin))")
        try require(lrStepEvery >= 1, "--lr-step-every must be at least 1 (got \(lrStepEvery))")
        try require(lrGamma > 0 && lrGamma <= 1, "--lr-gamma must lie in (0, 1] (got \(lrGamma))")
        try require(klWarmup >= 0, "--kl-warmup must be >= 0 (got \(klWarmup))")
        if let clipGradNorm { try require(clipGradNorm > 0 && clipGradNorm.isFinite, "--clip-grad-norm must be a finite number > 0 (got \(clipGradNorm))") }
        if let patience { try require(patience >= 1, "--patience must be at least 1 (got \(patience))") }
        if let holdout {
            try require(holdout > 0 && holdout < 1, "--holdout must lie strictly between 0 and 1 (got \(holdout))")
            try require(testData == nil, "--holdout and --test-data exclude each other (one test set per run)")
        }
        try require(!binarize || recon == .bce, "--binarize makes the data binary for a Bernoulli decoder: it needs --recon bce (got \(recon.rawValue))")
        try require(!binarize || normalize != .standard, "--binarize needs values in [0, 1]; --normalize standard does not give them")
        try require(beta >= 0 && beta.isFinite, "--beta must be a finite number >= 0 (got \(beta))")
        try require(epochs > 0, "--epochs must be at least 1 (got \(epochs))")
        try require(batchSize > 0, "--batch-size must be at least 1 (got \(batchSize))")
        try require(accumulate > 0, "--accumulate must be at least 1 (got \(accumulate))")
        try require(!batchSize.multipliedReportingOverflow(by: accumulate).overflow,
                    "--batch-size \(batchSize) x --accumulate \(accumulate) is too large to count (more than 2^63 samples per step)")
        try require(deterministic >= 0, "--deterministic must be >= 0 (got \(deterministic))")
        try require(!overlap || gradientSync == .allreduce, "--overlap needs --gradient-sync allreduce")
        if deterministic > 0, let conflict = gradientSync.conflictWithDeterministic { try require(false, conflict) }
        try require(!overlap || deterministic == 0,
                    "--overlap cannot be combined with --deterministic: the exact sum needs every micro-shard's gradients before any can be sent")
        if deterministic > 0 {
            try require(batchSize % deterministic == 0, "--deterministic \(deterministic) must divide --batch-size \(batchSize)")
            try require(blasThreads == 1, "--deterministic needs --blas-threads 1 (OpenBLAS's threaded kernels may sum in another order)")
        }
        try require((maxSteps ?? 1) > 0, "--max-steps must be at least 1 (got \(maxSteps ?? 0))")
        try require(checkpointEvery >= 0, "--checkpoint-every must be >= 0 (got \(checkpointEvery))")
        try require(keep > 0, "--keep must be at least 1 (got \(keep))")
        try require(blasThreads > 0 && blasThreads <= 256, "--blas-threads must be between 1 and 256 (got \(blasThreads))")
        try require(imagesEvery >= 0, "--images-every must be >= 0 (got \(imagesEvery))")
        try require(logEvery >= 0, "--log-every must be >= 0 (got \(logEvery))")
        try require(stallTimeout >= 0 && stallTimeout <= 1e9, "--stall-timeout must be between 0 (off) and 1e9 seconds (got \(stallTimeout))")
        try require(maxBadSteps >= 1, "--max-bad-steps must be at least 1 (got \(maxBadSteps))")
        try require(!out.isEmpty, "--out must not be empty")
        if let resume { try require(!resume.isEmpty, "--resume needs a checkpoint path or 'auto'") }
        try require(initialWeights == nil || resume == nil || resume == "auto",
                    "--init and --resume PATH exclude each other (with --resume auto, --init applies only when there is no checkpoint yet)")
        if let refusal = MemoryEstimate.refusal(
            hidden: hidden.widths, latent: latent, rowsPerRank: max(1, batchSize / LaunchEnvironment.size),
            deterministicShardsPerRank: deterministic / LaunchEnvironment.size, inputSize: nil, available: PhysicalMemory.bytes) {
            throw ValidationError(refusal)
        }
        try require(faults != nil, "VAE_DIST_TEST_FAULT must be a comma-separated list of nan:RANK:STEP[:COUNT], signal:RANK:STEP:NUMBER, crash:RANK:STEP or rowwise-gemms-differ")
    }

    var trainingConfiguration: TrainingConfiguration {
        let resume: TrainingConfiguration.Resume = switch self.resume {
        case nil: .none
        case "auto": .auto
        case let path?: .path(path)
        }
        return TrainingConfiguration(
            dataDirectory: data.data, testData: testData, holdout: holdout, holdoutSeed: holdoutSeed,
            normalize: normalize, binarize: binarize, outputDirectory: out, hidden: hidden.widths, latent: latent,
            objective: Objective(reconstruction: recon, beta: beta), learningRate: lr,
            schedule: TrainingSchedule(shape: lrSchedule, learningRate: lr, warmupSteps: warmupSteps, minimumRate: lrMin,
                                       stepEvery: lrStepEvery, gamma: lrGamma, horizon: 0, beta: beta, klWarmupSteps: klWarmup),
            clipGradNorm: clipGradNorm, patience: patience, epochs: epochs,
            globalBatchSize: batchSize, accumulate: accumulate, seed: seed, maxSteps: maxSteps,
            checkpointEvery: checkpointEvery, keep: keep,
            resume: resume,
            initialWeights: initialWeights, blasThreads: blasThreads, imagesEvery: imagesEvery, logEvery: logEvery,
            maxBadSteps: maxBadSteps, gradientSync: gradientSync, overlap: overlap, deterministicShards: deterministic,
            stallTimeout: stallTimeout)
    }

    /// Test-only faults from `VAE_DIST_TEST_FAULT`; nil if it is malformed.
    var faults: [FaultInjection]? {
        guard let text = ProcessInfo.processInfo.environment["VAE_DIST_TEST_FAULT"], !text.isEmpty else { return [] }
        let parsed = text.split(separator: ",").map { FaultInjection(String($0)) }
        return parsed.contains(nil) ? nil : parsed.compactMap { $0 }
    }

    func run() {
        let configuration = trainingConfiguration
        withMPI(verbose: verbose) { communicator, logger throws(TrainingError) in
            // --data may differ: a node-local copy can sit under another path, and
            // the trainer compares the data itself (size and digest) across ranks.
            try FlagAgreement.require(command: "train", settings, excluding: ["--data"], communicator: communicator)
            let trainer = try Trainer(configuration: configuration, communicator: communicator,
                                      logger: logger, faults: faults ?? [])
            if communicator.isRoot {
                let record = RunRecord(settings: settings, worldSize: communicator.size, data: data.data,
                                       dataDigest: trainer.dataDigest, blas: trainer.blasDescription)
                switch try record.write(to: out, step: trainer.startingStep) {
                case .written, .unchanged:
                    break
                case let .differs(differences, target):
                    logger.notice("this run's settings differ from OUT/config.json: \(differences.joined(separator: ", ")); recorded in \(target)")
                case let .replacedDamaged(aside):
                    logger.warning("\(out)/config.json was damaged (not a vae-dist run record); kept it as \(aside) and wrote a new one")
                }
            }
            if Terminal.isInteractive {
                trainer.progressReporter = ProgressBar()
            } else if configuration.logEvery > 0 {
                trainer.progressReporter = ProgressLines(every: configuration.logEvery)
            }
            return trainer
        } work: { (trainer: Trainer) throws(TrainingError) in
            try trainer.run()
        }
    }
}
