import Gzip
import SystemIO
import Checkpoints

/// One checkpoint file as the run that wrote it recorded it in
/// `latest.json`: its name in the output directory, its step, and the size
/// and CRC-32 of its bytes.
///
/// A file whose bytes still match is the very file this run wrote; anything
/// else under that name (a half-copied file, another tool's, another run's)
/// is not, and is never pruned or resumed as if it were. The record lives
/// outside the checkpoint, so checkpoint bytes stay a function of the
/// training state alone.
public struct CheckpointRecord: Equatable, Sendable {
    public var fileName: String
    public var step: Int
    public var byteCount: Int
    public var crc32: UInt32

    public init(fileName: String, step: Int, byteCount: Int, crc32: UInt32) {
        self.fileName = fileName
        self.step = step
        self.byteCount = byteCount
        self.crc32 = crc32
    }

    /// The record of `bytes`, about to be written as `fileName`.
    package init(fileName: String, step: Int, bytes: [UInt8]) {
        self.init(fileName: fileName, step: step, byteCount: bytes.count, crc32: Gzip.crc32(bytes))
    }

    /// Reads the file and returns its checkpoint, if it is still the file
    /// recorded: same size and CRC-32, a valid checkpoint, at the recorded step.
    package func load(in directory: String) throws(CheckpointError) -> Checkpoint {
        let path = "\(directory)/\(fileName)"
        let bytes: [UInt8]
        do {
            bytes = try Files.read(path)
        } catch {
            throw .unreadable(path: path, reason: error.reason)
        }
        guard bytes.count == byteCount, Gzip.crc32(bytes) == crc32 else {
            throw .incompatible(path: path, reason: "it is no longer the file this run wrote there (its size or CRC-32 differs from \(RunPointer.fileName))")
        }
        let checkpoint = try Checkpoint.decode(bytes, path: path)
        guard checkpoint.progress.step == step else {
            throw .incompatible(path: path, reason: "it holds step \(checkpoint.progress.step), \(RunPointer.fileName) says \(step)")
        }
        return checkpoint
    }
}
