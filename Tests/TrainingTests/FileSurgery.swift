import Foundation
import Testing
@testable import Training
@testable import Checkpoints

/// The committed version-1 checkpoint: a 4-3-2 model written by vae-dist
/// before version 2 existed (see CheckpointVersionTests for its values).
func version1Fixture() throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: "checkpoint-v1", withExtension: "safetensors", subdirectory: "Fixtures"))
    return Array(try Data(contentsOf: url))
}

/// A real version-2 checkpoint (4-3-2, step 6, seed 1), written by
/// `vae-dist train` of the last build whose format was version 2.
func version2Fixture() throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: "checkpoint-v2", withExtension: "safetensors", subdirectory: "Fixtures"))
    return Array(try Data(contentsOf: url))
}

/// A safetensors file cut into its parts, for tests that edit the header as
/// text; `bytes` puts it back together with a header length that fits.
struct SafetensorsParts {
    var header: String
    var data: [UInt8]

    init(_ file: [UInt8]) {
        let length = file.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        header = String(decoding: file[8..<(8 + length)], as: UTF8.self)
        data = Array(file[(8 + length)...])
    }

    var bytes: [UInt8] {
        let headerBytes = Array(header.utf8)
        return withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian, Array.init) + headerBytes + data
    }
}

/// `file` with its metadata edited and a checksum that matches again, as a
/// forger (or a bug) would write it: only range checks can refuse it.
func forged(_ file: [UInt8], editing edit: (inout [String: String]) -> Void) throws -> [UInt8] {
    let contents = try SafeTensors.decode(file)
    var metadata = contents.metadata
    edit(&metadata)
    let tensors = contents.entries.sorted { $0.value.range.lowerBound < $1.value.range.lowerBound }.map { name, entry in
        SafeTensors.Tensor(name: name, shape: entry.shape, bytes: Array(contents.bytes(of: entry)))
    }
    let version = Int(metadata["format_version"] ?? "") ?? Checkpoint.formatVersion
    let field = CheckpointChecksum.field(version: version)
    if metadata[field] != nil {
        metadata[field] = CheckpointChecksum.value(version: version, metadata: metadata, data: tensors.map { $0.bytes[...] })
    }
    return SafeTensors.encode(tensors, metadata: metadata)
}

/// The CheckpointError `body` throws (nil if it does not throw; any other
/// error is recorded as an issue).
func checkpointError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> CheckpointError? {
    do {
        try body()
        return nil
    } catch let error as CheckpointError {
        return error
    } catch {
        Issue.record("expected a CheckpointError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
