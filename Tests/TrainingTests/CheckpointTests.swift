import Foundation
import Randomness
import Tensors
import Testing
import TestSupport
@testable import Training
@testable import VAE
@testable import Checkpoints
@testable import RunDirectory

func sampleCheckpoint(step: Int = 37, seed: UInt64 = 3) -> Checkpoint {
    let architecture = Architecture(inputSize: 9, hidden: [5, 4], latent: 2)
    let model = VariationalAutoencoder(architecture: architecture, batchCapacity: 1)
    var generator = SplitMix64(seed: seed)
    model.initializeParameters(using: &generator)
    let count = model.layout.count
    let m = FloatBuffer((0..<count).map { Float($0) * 1e-3 }).all
    let v = FloatBuffer((0..<count).map { Float($0) * 1e-6 }).all
    return Checkpoint(
        architecture: architecture, objective: Objective(reconstruction: .mse, beta: 0.5), learningRate: 3e-4,
        globalBatchSize: 64, seed: 11, worldSize: 4,
        progress: TrainingProgress(step: step, stepsPerEpoch: 10, epochSums: LossTerms(loss: 1234.5678901234, reconstruction: 1000.25, kl: 234.3178901234),
                                   epochSamples: 448, skippedSteps: 2),
        adamStep: step - 2, lastMetrics: ["test_loss": 250.125], parameters: model.parameters, firstMoment: m, secondMoment: v)
}

@Suite struct CheckpointTests {
    @Test func roundTripsEveryField() throws {
        let original = sampleCheckpoint()
        let decoded = try Checkpoint.decode(original.encoded(), path: "c")
        #expect(decoded.architecture == original.architecture)
        #expect(decoded.objective == original.objective)
        #expect(decoded.learningRate == original.learningRate)
        #expect(decoded.globalBatchSize == 64 && decoded.seed == 11 && decoded.worldSize == 4)
        #expect(decoded.progress == original.progress, "Double sums must survive exactly")
        #expect(decoded.adamStep == 35)
        #expect(decoded.lastMetrics == ["test_loss": 250.125])
        #expect(decoded.parameters.array == original.parameters.array)
        #expect(decoded.firstMoment.array == original.firstMoment.array)
        #expect(decoded.secondMoment.array == original.secondMoment.array)
        #expect(decoded.fileFormatVersion == Checkpoint.formatVersion && decoded.checksumMatches)
        #expect(decoded.encoded() == original.encoded(), "the same state encodes to the same bytes")
    }

    @Test func headerIsSafetensorsWithPyTorchShapes() throws {
        let file = sampleCheckpoint().encoded()
        let contents = try SafeTensors.decode(file)
        #expect(contents.entries["encoder.0.weight"]?.shape == [5, 9])
        #expect(contents.entries["fc_logvar.bias"]?.shape == [2])
        #expect(contents.entries["decoder.4.weight"]?.shape == [9, 5])
        #expect(contents.entries.values.allSatisfy { $0.dtype == "F32" })
        let headerLength = file.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect((8 + headerLength) % 8 == 0, "tensor data starts 8-byte aligned")
        #expect(contents.metadata["format_version"] == String(Checkpoint.formatVersion))
        #expect(contents.metadata["content_crc32"]?.count == 8 && contents.metadata["data_crc32"] == nil)
    }

    @Test func rejectsTruncatedFilesAtAnyLength() {
        let file = sampleCheckpoint().encoded()
        for length in [0, 7, 8, 50, file.count / 2, file.count - 1] {
            #expect(throws: CheckpointError.self) { try Checkpoint.decode(Array(file.prefix(length)), path: "c") }
        }
    }

    @Test func rejectsAFlippedBitInTheTensorData() {
        var file = sampleCheckpoint().encoded()
        file[file.count - 100] ^= 0x10
        #expect {
            try Checkpoint.decode(file, path: "c")
        } throws: { error in
            guard case .checksumMismatch(path: "c", field: "content_crc32", _, _) = error as? CheckpointError else { return false }
            return true
        }
    }

    @Test func rejectsAFlippedBitInTheHeader() {
        var file = sampleCheckpoint().encoded()
        let shape = Array("\"shape\"".utf8)
        let at = (8..<file.count).first { Array(file[$0..<($0 + shape.count)]) == shape }
        file[at ?? 8] ^= 0x01
        #expect(throws: CheckpointError.self) { try Checkpoint.decode(file, path: "c") }
    }

    @Test func rejectsAFutureFormatVersionByName() throws {
        var future = sampleCheckpoint().encoded()
        let field = Array("\"format_version\":\"\(Checkpoint.formatVersion)\"".utf8)
        let at = try #require((8..<(future.count - field.count)).first { Array(future[$0..<($0 + field.count)]) == field })
        future[at + field.count - 2] = UInt8(ascii: "9")
        #expect(throws: CheckpointError.self) { try Checkpoint.decode(future, path: "c") }
        do {
            _ = try Checkpoint.decode(future, path: "c")
        } catch {
            #expect(error.description == "c: checkpoint format version 9 is not supported (this vae-dist reads versions 1 to \(Checkpoint.formatVersion))")
        }
    }
}

@Suite struct CheckpointDirectoryTests {
    @Test func savingWritesAtomicallyAndPrunesNothing() throws {
        let directory = try TemporaryDirectory.make(prefix: "ckpt")
        let store = CheckpointDirectory(path: directory.path, keep: 2)
        for step in [10, 20, 30, 40] { try store.save(sampleCheckpoint(step: step)) }
        #expect(try store.checkpointPaths().count == 4, "pruning is the live branch's, which knows which files are the run's")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty, "no temporary files remain after atomic writes")
    }

    @Test func autoResumeSkipsCorruptAndIncompatibleFilesAndSaysWhy() throws {
        let directory = try TemporaryDirectory.make(prefix: "ckpt")
        let store = CheckpointDirectory(path: directory.path, keep: 5)
        try store.save(sampleCheckpoint(step: 10))
        try store.save(sampleCheckpoint(step: 20))
        let newest = directory.path + "/" + (try store.save(sampleCheckpoint(step: 30))).fileName
        // Step 30 is truncated; step 20 is declared unusable by the caller.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: newest))
        try bytes.prefix(bytes.count - 10).write(to: URL(fileURLWithPath: newest))
        let (found, skipped) = store.newestValid { checkpoint, path in
            checkpoint.progress.step == 20 ? .incompatible(path: path, reason: "test says no") : nil
        }
        #expect(found?.0.progress.step == 10)
        #expect(skipped.count == 2)
        #expect(skipped.map(\.description).contains { $0.contains("checkpoint-000000030") && $0.contains("not a valid") })
        #expect(skipped.map(\.description).contains { $0.contains("test says no") })
    }
}
