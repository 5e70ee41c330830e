import Gzip
import Tensors
import VAE

/// A training checkpoint: the model (under PyTorch names), Adam's state and
/// the run's progress, in one safetensors file.
///
/// The model tensors load into the seed's PyTorch `VAE` with
/// `load_state_dict`; `optimizer.exp_avg` / `optimizer.exp_avg_sq` hold
/// Adam's moments in the flat parameter order; `__metadata__` holds the
/// configuration, progress, format version and a CRC-32 of the tensor data.
/// Nothing time-dependent is stored, so the same state always gives the same
/// bytes: resumed and uninterrupted runs can be compared with `cmp`.
public struct Checkpoint: Sendable {
    public static let formatVersion = 1
    public static let formatName = "vae-dist-checkpoint"

    public var architecture: Architecture
    public var objective: Objective
    public var learningRate: Float
    public var globalBatchSize: Int
    /// Micro-batches summed per optimizer step (`--accumulate`).
    public var accumulate: Int
    /// Micro-shards per batch in `--deterministic` mode (0: off).
    public var deterministicShards: Int
    public var seed: UInt64
    public var worldSize: Int
    public var progress: TrainingProgress
    public var adamStep: Int
    /// Per-sample metrics of the last completed epoch, for `inspect`.
    public var lastMetrics: [String: Double]
    public var parameters: Vector
    public var firstMoment: Vector
    public var secondMoment: Vector
    /// False only for a file decoded with `verifyingChecksum: false` whose
    /// tensor data does not match its recorded CRC-32 (`inspect` reports it).
    public var checksumMatches = true

    public init(architecture: Architecture, objective: Objective, learningRate: Float, globalBatchSize: Int,
                accumulate: Int = 1, deterministicShards: Int = 0, seed: UInt64, worldSize: Int, progress: TrainingProgress, adamStep: Int,
                lastMetrics: [String: Double], parameters: Vector, firstMoment: Vector, secondMoment: Vector) {
        self.architecture = architecture
        self.objective = objective
        self.learningRate = learningRate
        self.globalBatchSize = globalBatchSize
        self.accumulate = accumulate
        self.deterministicShards = deterministicShards
        self.seed = seed
        self.worldSize = worldSize
        self.progress = progress
        self.adamStep = adamStep
        self.lastMetrics = lastMetrics
        self.parameters = parameters
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
    }

    public func encoded() -> [UInt8] {
        let layout = ParameterLayout(architecture)
        var tensors = layout.tensors.map { tensor in
            SafeTensors.Tensor(name: tensor.name, shape: tensor.shape,
                               bytes: parameters.slice(from: tensor.offset, count: tensor.count).littleEndianBytes)
        }
        tensors.append(SafeTensors.Tensor(name: "optimizer.exp_avg", shape: [layout.count], bytes: firstMoment.littleEndianBytes))
        tensors.append(SafeTensors.Tensor(name: "optimizer.exp_avg_sq", shape: [layout.count], bytes: secondMoment.littleEndianBytes))
        let checksum = tensors.reduce(UInt32(0)) { crc, tensor in Gzip.crc32(tensor.bytes, initial: crc) }
        var metadata: [String: String] = [
            "format": Self.formatName,
            "format_version": String(Self.formatVersion),
            "data_crc32": hex(checksum),
            "architecture": architecture.description,
            "input_size": String(architecture.inputSize),
            "hidden": architecture.hidden.map(String.init).joined(separator: ","),
            "latent": String(architecture.latent),
            "reconstruction": objective.reconstruction.rawValue,
            "beta": String(objective.beta),
            "learning_rate": String(learningRate),
            "batch_size": String(globalBatchSize),
            "accumulate": String(accumulate),
            "deterministic_shards": String(deterministicShards),
            "seed": String(seed),
            "world_size": String(worldSize),
            "step": String(progress.step),
            "steps_per_epoch": String(progress.stepsPerEpoch),
            "epoch": String(progress.epoch),
            "adam_step": String(adamStep),
            "skipped_steps": String(progress.skippedSteps),
            "epoch_loss_sum": String(progress.epochSums.loss),
            "epoch_recon_sum": String(progress.epochSums.reconstruction),
            "epoch_kl_sum": String(progress.epochSums.kl),
            "epoch_samples": String(progress.epochSamples),
        ]
        for (key, value) in lastMetrics { metadata["metric_\(key)"] = String(value) }
        return SafeTensors.encode(tensors, metadata: metadata)
    }

    /// Parses and verifies a checkpoint file's bytes: container, format and
    /// version, checksum, and that every tensor has its architecture's shape.
    public static func decode(_ file: [UInt8], path: String, verifyingChecksum: Bool = true) throws(CheckpointError) -> Checkpoint {
        let contents: SafeTensors.Contents
        do {
            contents = try SafeTensors.decode(file)
        } catch {
            throw .malformed(path: path, reason: error.description)
        }
        let meta = contents.metadata
        guard meta["format"] == formatName else {
            throw .malformed(path: path, reason: "metadata does not name the \(formatName) format")
        }
        guard let versionText = meta["format_version"] else { throw .malformed(path: path, reason: "no format_version") }
        guard versionText == String(formatVersion) else {
            throw .unsupportedVersion(path: path, found: versionText, supported: formatVersion)
        }

        func field<T: LosslessStringConvertible>(_ key: String, as type: T.Type = T.self) throws(CheckpointError) -> T {
            guard let text = meta[key], let value = T(text) else {
                throw .malformed(path: path, reason: "metadata field \(key) is missing or invalid")
            }
            return value
        }

        let hiddenText: String = try field("hidden")
        let hidden = hiddenText.isEmpty ? [] : hiddenText.split(separator: ",").compactMap { Int($0) }
        let inputSize: Int = try field("input_size")
        let latent: Int = try field("latent")
        guard inputSize > 0, latent > 0, hidden.allSatisfy({ $0 > 0 }),
              hidden.count == hiddenText.split(separator: ",").count else {
            throw .malformed(path: path, reason: "architecture fields are invalid")
        }
        let architecture = Architecture(inputSize: inputSize, hidden: hidden, latent: latent)
        let reconstructionText: String = try field("reconstruction")
        guard let reconstruction = Reconstruction(rawValue: reconstructionText) else {
            throw .malformed(path: path, reason: "unknown reconstruction \(reconstructionText)")
        }
        let stepsPerEpoch: Int = try field("steps_per_epoch")
        let step: Int = try field("step")
        guard stepsPerEpoch > 0, step >= 0 else { throw .malformed(path: path, reason: "progress fields are invalid") }

        let actual = hex(Gzip.crc32(contents.data))
        let expected: String = try field("data_crc32")
        if verifyingChecksum && actual != expected { throw .checksumMismatch(path: path, expected: expected, actual: actual) }

        let layout = ParameterLayout(architecture)
        let parameters = FloatBuffer(count: layout.count).all
        func load(_ name: String, shape: [Int], into target: Vector) throws(CheckpointError) {
            guard let entry = contents.entries[name] else { throw .malformed(path: path, reason: "tensor \(name) is missing") }
            guard entry.dtype == "F32", entry.shape == shape else {
                throw .malformed(path: path, reason: "tensor \(name) is \(entry.dtype) \(entry.shape), expected F32 \(shape)")
            }
            let start = contents.data.startIndex + entry.range.lowerBound
            target.load(littleEndianBytes: contents.data[start..<(start + entry.range.count)])
        }
        for tensor in layout.tensors {
            try load(tensor.name, shape: tensor.shape, into: parameters.slice(from: tensor.offset, count: tensor.count))
        }
        let firstMoment = FloatBuffer(count: layout.count).all
        let secondMoment = FloatBuffer(count: layout.count).all
        try load("optimizer.exp_avg", shape: [layout.count], into: firstMoment)
        try load("optimizer.exp_avg_sq", shape: [layout.count], into: secondMoment)

        var lastMetrics = [String: Double]()
        for (key, value) in meta where key.hasPrefix("metric_") {
            lastMetrics[String(key.dropFirst("metric_".count))] = Double(value)
        }
        let progress = TrainingProgress(
            step: step, stepsPerEpoch: stepsPerEpoch,
            epochSums: LossTerms(loss: try field("epoch_loss_sum"), reconstruction: try field("epoch_recon_sum"),
                                 kl: try field("epoch_kl_sum")),
            epochSamples: try field("epoch_samples"),
            skippedSteps: try field("skipped_steps"))
        var checkpoint = Checkpoint(
            architecture: architecture,
            objective: Objective(reconstruction: reconstruction, beta: try field("beta")),
            learningRate: try field("learning_rate"), globalBatchSize: try field("batch_size"),
            accumulate: try field("accumulate"), deterministicShards: try field("deterministic_shards"),
            seed: try field("seed"), worldSize: try field("world_size"), progress: progress,
            adamStep: try field("adam_step"), lastMetrics: lastMetrics,
            parameters: parameters, firstMoment: firstMoment, secondMoment: secondMoment)
        checkpoint.checksumMatches = actual == expected
        return checkpoint
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
}
