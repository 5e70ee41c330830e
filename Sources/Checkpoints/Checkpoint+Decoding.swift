import Dataset
import Tensors
import VAE

extension Checkpoint {
    /// The largest step, sample or Adam-step count a file may record: 2^53,
    /// exact in any JSON reader's doubles and far from overflowing under the
    /// trainer's increments (a step, a batch of samples).
    static let counterLimit = 1 << 53
    /// The largest batch size, accumulation, rank count or steps per epoch
    /// a file may record: `Int32.max`, MPI's limit on ranks, so products of
    /// two such values (the trainer forms some) cannot overflow.
    static let sizeLimit = Int(Int32.max)

    /// Parses and verifies a checkpoint file's bytes: container, format and
    /// version, checksum, metadata ranges, and that every tensor has its
    /// architecture's shape. Nothing is allocated for the tensors until the
    /// architecture the header claims is known to fit the file.
    public static func decode(_ file: [UInt8], path: String, verifyingChecksum: Bool = true) throws(CheckpointError) -> Checkpoint {
        let contents: SafeTensors.Contents
        do {
            contents = try SafeTensors.decode(file)
        } catch {
            throw .malformed(path: path, reason: error.description)
        }
        let version = try formatVersion(of: contents.metadata, path: path)

        // Before any value is interpreted, so damage anywhere it covers is
        // reported as damage rather than as a strange value.
        let field = CheckpointChecksum.field(version: version)
        guard let recorded = contents.metadata[field] else {
            throw .malformed(path: path, reason: "metadata field \(field) is missing")
        }
        let actual = CheckpointChecksum.value(version: version, metadata: contents.metadata, data: [contents.data])
        if verifyingChecksum && actual != recorded {
            let shown = recorded.utf8.count == 8 && recorded.allSatisfy(\.isHexDigit) ? recorded : HeaderJSON.quoted(recorded)
            throw .checksumMismatch(path: path, field: field, expected: shown, actual: actual)
        }

        var checkpoint: Checkpoint
        var normalizationMode = Normalization.Mode.none
        do throws(MetadataFields.Invalid) {
            let metadata = MetadataFields(values: contents.metadata)
            checkpoint = try fromMetadata(metadata, dataBytes: contents.data.count)
            if version >= 3 {
                (checkpoint.input, normalizationMode) = try inputFormat(in: metadata, inputSize: checkpoint.architecture.inputSize)
                try readControls(metadata, into: &checkpoint)
            }
        } catch {
            throw .malformed(path: path, reason: error.description)
        }
        let features = checkpoint.architecture.inputSize
        let normalization = normalizationMode == .none ? nil : (shift: FloatBuffer(count: features).all, scale: FloatBuffer(count: features).all)
        do throws(ModelTensors.Mismatch) {
            try ModelTensors(checkpoint.architecture).read(
                contents,
                into: ModelTensors.Vectors(parameters: checkpoint.parameters, normalization: normalization,
                                           moments: (checkpoint.firstMoment, checkpoint.secondMoment)),
                inWrittenPlaces: version >= 2)
        } catch {
            throw .malformed(path: path, reason: error.description)
        }
        if let normalization {
            let scale = normalization.scale.array
            guard scale.allSatisfy({ $0.isFinite && $0 != 0 }), normalization.shift.array.allSatisfy(\.isFinite) else {
                throw .malformed(path: path, reason: "tensor data.scale or data.shift holds a zero or non-finite value")
            }
            checkpoint.input.normalization = Normalization(mode: normalizationMode, shift: normalization.shift.array, scale: scale)
        }
        checkpoint.checksumMatches = actual == recorded
        checkpoint.fileFormatVersion = version
        return checkpoint
    }

    /// The file's format version, after checking it is a checkpoint at all.
    private static func formatVersion(of metadata: [String: String], path: String) throws(CheckpointError) -> Int {
        guard metadata["format"] == formatName else {
            throw .malformed(path: path, reason: "metadata does not name the \(formatName) format")
        }
        guard let text = metadata["format_version"] else {
            throw .malformed(path: path, reason: "metadata field format_version is missing")
        }
        guard let version = Int(text), String(version) == text, readableFormatVersions.contains(version) else {
            let shown = !text.isEmpty && text.utf8.count <= 20 && text.allSatisfy(\.isASCII) && text.allSatisfy(\.isNumber)
                ? text : HeaderJSON.quoted(text)
            throw .unsupportedVersion(path: path, found: shown, supported: readableFormatVersions)
        }
        return version
    }

    /// Version 3's ``InputFormat`` fields (its normalization's vectors are
    /// tensors, read with the others), and the normalization's mode.
    private static func inputFormat(in metadata: MetadataFields,
                                    inputSize: Int) throws(MetadataFields.Invalid) -> (InputFormat, Normalization.Mode) {
        let numbers = try metadata.positiveIntegers("input_shape")
        guard let shape = InputFormat.shape(fromField: numbers, inputSize: inputSize) else {
            throw .init(description: "metadata field input_shape is \(HeaderJSON.quoted(numbers.map(String.init).joined(separator: ","))), which does not describe \(inputSize) inputs")
        }
        let modeText = try metadata.string("normalize")
        guard let mode = Normalization.Mode(rawValue: modeText) else {
            throw .init(description: "metadata field normalize is \(HeaderJSON.quoted(modeText)), not one vae-dist knows")
        }
        let binarize = try metadata.integer("binarize", in: 0...1) == 1
        let elementText = try metadata.string("input_dtype")
        guard let element = InputFormat.element(fromField: elementText) else {
            throw .init(description: "metadata field input_dtype is \(HeaderJSON.quoted(elementText)), not one vae-dist knows")
        }
        return (InputFormat(shape: shape, element: element, binarize: binarize), mode)
    }

    /// Version 3's training controls: the schedule, clipping, early stopping
    /// and its state.
    private static func readControls(_ metadata: MetadataFields, into checkpoint: inout Checkpoint) throws(MetadataFields.Invalid) {
        func optional<T>(_ key: String, _ read: (String) throws(MetadataFields.Invalid) -> T) throws(MetadataFields.Invalid) -> T? {
            try metadata.string(key) == "none" ? nil : read(key)
        }
        let shapeText = try metadata.string("lr_schedule")
        guard let shape = TrainingSchedule.Shape(rawValue: shapeText) else {
            throw .init(description: "metadata field lr_schedule is \(HeaderJSON.quoted(shapeText)), not one vae-dist knows")
        }
        let step = checkpoint.progress.step
        checkpoint.schedule = TrainingSchedule(
            shape: shape, learningRate: checkpoint.learningRate,
            warmupSteps: try metadata.integer("warmup_steps", in: 0...counterLimit),
            minimumRate: try metadata.float("lr_min"), stepEvery: try metadata.integer("lr_step_every", in: 1...counterLimit),
            gamma: try metadata.float("lr_gamma"), horizon: try metadata.integer("lr_horizon", in: 0...counterLimit),
            beta: checkpoint.objective.beta, klWarmupSteps: try metadata.integer("kl_warmup", in: 0...counterLimit))
        checkpoint.clipGradNorm = try optional("clip_grad_norm") { key throws(MetadataFields.Invalid) -> Float in try metadata.float(key) }
        checkpoint.patience = try optional("patience") { key throws(MetadataFields.Invalid) -> Int in try metadata.integer(key, in: 1...sizeLimit) }
        checkpoint.progress.epochGradientNormSum = try metadata.float("epoch_grad_norm_sum")
        checkpoint.progress.epochGradientNormCount = try metadata.integer("epoch_grad_norm_count", in: 0...step)
        // vae-dist 0.9.0 and earlier recorded a NaN or infinite held-out loss as the
        // best ("nan", "inf"): such a value was never a best, and reads as none,
        // so those files load.
        let bestText = try metadata.string("best_test_loss")
        if let recorded = Double(bestText), !recorded.isFinite, ["nan", "inf", "-inf"].contains(bestText) {
            checkpoint.progress.bestTestLoss = nil
        } else {
            checkpoint.progress.bestTestLoss = try optional("best_test_loss") { key throws(MetadataFields.Invalid) -> Double in try metadata.float(key) }
        }
        checkpoint.progress.epochsWithoutImprovement = try metadata.integer("epochs_without_improvement", in: 0...step)
        checkpoint.progress.stoppedEarly = try metadata.integer("stopped_early", in: 0...1) == 1
    }

    /// Everything but the tensors, range-checked; the tensor vectors are
    /// allocated (zeroed) once the architecture is known to fit `dataBytes`.
    private static func fromMetadata(_ metadata: MetadataFields, dataBytes: Int) throws(MetadataFields.Invalid) -> Checkpoint {
        let architecture = try ArchitectureMetadata.architecture(in: metadata, copies: 3, dataBytes: dataBytes)
        let reconstructionText = try metadata.string("reconstruction")
        guard let reconstruction = Reconstruction(rawValue: reconstructionText) else {
            throw .init(description: "metadata field reconstruction is \(HeaderJSON.quoted(reconstructionText)), not one vae-dist knows")
        }
        let beta: Float = try metadata.float("beta")
        let learningRate: Float = try metadata.float("learning_rate")
        guard beta >= 0, learningRate > 0 else {
            throw .init(description: "metadata fields beta (\(beta)) and learning_rate (\(learningRate)) must be >= 0 and > 0")
        }
        let stepsPerEpoch = try metadata.integer("steps_per_epoch", in: 1...sizeLimit)
        let step = try metadata.integer("step", in: 0...counterLimit)
        let epoch = try metadata.integer("epoch", in: 0...counterLimit)
        guard epoch == step / stepsPerEpoch else {
            throw .init(description: "metadata field epoch is \(epoch), but step \(step) at \(stepsPerEpoch) steps per epoch is epoch \(step / stepsPerEpoch)")
        }
        let progress = TrainingProgress(
            step: step, stepsPerEpoch: stepsPerEpoch,
            epochSums: LossTerms(loss: try metadata.float("epoch_loss_sum"), reconstruction: try metadata.float("epoch_recon_sum"),
                                 kl: try metadata.float("epoch_kl_sum")),
            epochSamples: try metadata.integer("epoch_samples", in: 0...counterLimit),
            skippedSteps: try metadata.integer("skipped_steps", in: 0...step))
        var lastMetrics = [String: Double]()
        for (key, text) in metadata.values where key.hasPrefix(metricPrefix) {
            // Display only: any number is kept, a non-finite one included.
            guard let value = Double(text) else {
                throw .init(description: "metadata field \(HeaderJSON.quoted(key)) is \(HeaderJSON.quoted(text)), not a number")
            }
            lastMetrics[String(key.dropFirst(metricPrefix.count))] = value
        }
        let count = ParameterLayout(architecture).count
        return Checkpoint(
            architecture: architecture, objective: Objective(reconstruction: reconstruction, beta: beta),
            learningRate: learningRate, globalBatchSize: try metadata.integer("batch_size", in: 1...sizeLimit),
            accumulate: try metadata.integer("accumulate", in: 1...sizeLimit),
            deterministicShards: try metadata.integer("deterministic_shards", in: 0...sizeLimit),
            seed: try metadata.unsigned("seed"), worldSize: try metadata.integer("world_size", in: 1...sizeLimit),
            progress: progress, adamStep: try metadata.integer("adam_step", in: 0...step), lastMetrics: lastMetrics,
            parameters: FloatBuffer(count: count).all, firstMoment: FloatBuffer(count: count).all,
            secondMoment: FloatBuffer(count: count).all)
    }
}
