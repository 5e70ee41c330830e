import Dataset
import Foundation
import Gzip
import Testing
@testable import Training
@testable import VAE
@testable import Checkpoints

/// Version 1 files stay readable; version 2's checksum also covers the
/// metadata, as `CheckpointChecksum` documents.
@Suite struct CheckpointVersionTests {
    @Test func theVersion1FixtureLoadsWithItsValues() throws {
        let loaded = try Checkpoint.decode(try version1Fixture(), path: "v1")
        #expect(loaded.fileFormatVersion == 1 && loaded.checksumMatches)
        #expect(loaded.architecture == Architecture(inputSize: 4, hidden: [3], latent: 2))
        #expect(loaded.objective == Objective(reconstruction: .bce, beta: 0.75))
        #expect(loaded.learningRate == 3e-4 && loaded.globalBatchSize == 64 && loaded.accumulate == 2)
        #expect(loaded.deterministicShards == 0 && loaded.seed == 11 && loaded.worldSize == 2 && loaded.adamStep == 35)
        #expect(loaded.progress == TrainingProgress(
            step: 37, stepsPerEpoch: 10, epochSums: LossTerms(loss: 1234.5678901234, reconstruction: 1000.25, kl: 234.3178901234),
            epochSamples: 448, skippedSteps: 2))
        #expect(loaded.lastMetrics == ["test_loss": 250.125, "train_loss": 249.5])
        #expect(loaded.parameters.array == (0..<56).map { Float($0) / 8 - 3 })
        #expect(loaded.firstMoment.array == (0..<56).map { Float($0) / 1024 })
        #expect(loaded.secondMoment.array == (0..<56).map { Float($0) / 65536 })
    }

    @Test func aVersion1CheckpointIsRewrittenInTheCurrentVersionWithTheSameState() throws {
        let loaded = try Checkpoint.decode(try version1Fixture(), path: "v1")
        let rewritten = try Checkpoint.decode(loaded.encoded(), path: "v3")
        #expect(rewritten.fileFormatVersion == Checkpoint.formatVersion)
        #expect(rewritten.progress == loaded.progress && rewritten.parameters.array == loaded.parameters.array)
        #expect(rewritten.encoded() == loaded.encoded())
    }

    /// Version 2 (before the input format was recorded) stays readable: an
    /// MNIST-like input is assumed, and re-encoding gives the current version.
    @Test func theVersion2FixtureLoadsWithItsValuesAndAnAssumedInputFormat() throws {
        let loaded = try Checkpoint.decode(try version2Fixture(), path: "v2")
        #expect(loaded.fileFormatVersion == 2 && loaded.checksumMatches)
        #expect(loaded.architecture.description == "4-3-2" && loaded.progress.step == 6 && loaded.seed == 1)
        #expect(loaded.input == InputFormat(shape: SampleShape(height: 2, width: 2, channels: 1)))
        #expect(loaded.lastMetrics["test_loss"] == 3.3485618755221367)
        let rewritten = try Checkpoint.decode(loaded.encoded(), path: "v3")
        #expect(rewritten.fileFormatVersion == Checkpoint.formatVersion && rewritten.parameters.array == loaded.parameters.array)
        var damaged = try version2Fixture()
        damaged[damaged.count - 1] ^= 1
        #expect(throws: CheckpointError.self) { try Checkpoint.decode(damaged, path: "v2") }
    }

    /// The limitation version 2 removes: version 1's CRC sees only tensors.
    @Test func aFlippedMetadataDigitGoesUnnoticedInVersion1() throws {
        var parts = SafetensorsParts(try version1Fixture())
        parts.header = parts.header.replacingOccurrences(of: "\"step\":\"37\"", with: "\"step\":\"38\"")
        let loaded = try Checkpoint.decode(parts.bytes, path: "v1")
        #expect(loaded.progress.step == 38 && loaded.checksumMatches)
    }

    @Test func aFlippedMetadataDigitIsCaughtInVersion2() throws {
        let original = try Checkpoint.decode(try version1Fixture(), path: "v1").encoded()
        var parts = SafetensorsParts(original)
        parts.header = parts.header.replacingOccurrences(of: "\"step\":\"37\"", with: "\"step\":\"38\"")
        #expect(parts.bytes != original && parts.bytes.count == original.count)
        let error = try #require(checkpointError { _ = try Checkpoint.decode(parts.bytes, path: "v2") })
        guard case .checksumMismatch(path: "v2", field: "content_crc32", _, _) = error else {
            Issue.record("expected a checksum mismatch, got \(error)")
            return
        }
        #expect(error.description.hasPrefix("v2: checkpoint is corrupt: content_crc32 is "))
        #expect(error.description.contains("metadata and tensor data"))
        let inspected = try Checkpoint.decode(parts.bytes, path: "v2", verifyingChecksum: false)
        #expect(!inspected.checksumMatches && inspected.progress.step == 38)
    }

    /// The checksum as the documentation defines it, computed here from
    /// scratch: length-prefixed UTF-8 pairs in key order, then the data.
    @Test func theVersion2ChecksumIsTheDocumentedOne() throws {
        let file = sampleCheckpoint().encoded()
        let contents = try SafeTensors.decode(file)
        var canonical = [UInt8]()
        for key in contents.metadata.keys.sorted() where key != "content_crc32" {
            for text in [key, contents.metadata[key] ?? ""] {
                canonical += withUnsafeBytes(of: UInt64(text.utf8.count).littleEndian, Array.init) + Array(text.utf8)
            }
        }
        let crc = Gzip.crc32(Array(contents.data), initial: Gzip.crc32(canonical))
        #expect(contents.metadata["content_crc32"] == String(format: "%08x", crc))
    }

    @Test func aVersion2FileWithTensorsMovedIsRefused() throws {
        // Swap the two bias heads' places: same bytes, so the CRC still matches.
        var parts = SafetensorsParts(sampleCheckpoint().encoded())
        let mu = try #require(parts.header.range(of: #""fc_mu.bias":{"dtype":"F32","shape":[2],"data_offsets":["#))
        let muOffsets = parts.header[mu.upperBound...].prefix { $0 != "]" }
        let logvar = try #require(parts.header.range(of: #""fc_logvar.bias":{"dtype":"F32","shape":[2],"data_offsets":["#))
        let logvarOffsets = parts.header[logvar.upperBound...].prefix { $0 != "]" }
        let (a, b) = (String(muOffsets), String(logvarOffsets))
        parts.header = parts.header.replacingOccurrences(of: "\"fc_mu.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[\(a)]",
                                                         with: "\"fc_mu.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[\(b)]")
            .replacingOccurrences(of: "\"fc_logvar.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[\(b)]",
                                  with: "\"fc_logvar.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[\(a)]")
        let error = try #require(checkpointError { _ = try Checkpoint.decode(parts.bytes, path: "c") })
        #expect(error.description.contains("tensor fc_mu.bias is at bytes"), "\(error)")
    }
}
