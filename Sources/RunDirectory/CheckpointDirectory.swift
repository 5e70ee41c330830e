import SystemIO
import Checkpoints

/// The checkpoint files of an output directory: `OUT/checkpoint-<step>.safetensors`.
///
/// Which of them belong to the run, and so may be pruned beyond `keep`, is
/// not decided by their names (anything can be named so) but by the run's
/// ``RunPointer``; see ``LiveBranch``.
public struct CheckpointDirectory: Sendable {
    public let path: String
    /// Checkpoints of the live branch kept by pruning, newest first.
    public let keep: Int

    public init(path: String, keep: Int) {
        precondition(keep >= 1, "keep at least one checkpoint")
        self.path = path
        self.keep = keep
    }

    public func fileName(step: Int) -> String {
        let digits = String(step)
        return "checkpoint-" + String(repeating: "0", count: max(0, 9 - digits.count)) + digits + ".safetensors"
    }

    /// The step in a name of the form `checkpoint-<digits>.safetensors`
    /// (no directory part), or nil for any other name.
    static func step(ofFileName name: String) -> Int? {
        guard name.hasPrefix("checkpoint-"), name.hasSuffix(".safetensors"), !name.contains("/") else { return nil }
        let digits = name.dropFirst("checkpoint-".count).dropLast(".safetensors".count)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int(digits)
    }

    /// Writes `checkpoint` atomically and returns what was written. Nothing
    /// is pruned here: that takes knowing which files are the run's.
    @discardableResult
    public func save(_ checkpoint: Checkpoint) throws(FileError) -> CheckpointRecord {
        let name = fileName(step: checkpoint.progress.step)
        let bytes = checkpoint.encoded()
        try Files.writeAtomically(bytes, to: "\(path)/\(name)")
        return CheckpointRecord(fileName: name, step: checkpoint.progress.step, bytes: bytes)
    }

    /// Checkpoint files present, newest (highest step) first.
    public func checkpointPaths() throws(FileError) -> [String] {
        guard Files.isDirectory(path) else { return [] }
        let steps = try Files.list(path).compactMap { name -> (Int, String)? in
            Self.step(ofFileName: name).map { ($0, "\(path)/\(name)") }
        }
        return steps.sorted { $0.0 > $1.0 }.map(\.1)
    }

    /// Removes temporary files left by a writer that died mid-write (the
    /// checkpoints and `latest.json` are never partial: they appear by
    /// rename). Only the run holding the directory's lock calls this, so no
    /// live writer's file is taken.
    public func removeStaleTemporaryFiles() throws(FileError) {
        for name in try Files.list(path) where (name.hasPrefix("checkpoint-") && name.contains(".safetensors.tmp."))
            || name.hasPrefix(RunPointer.fileName + ".tmp.") {
            try Files.remove("\(path)/\(name)")
        }
    }

    /// Reads and verifies one checkpoint file (`verifyingChecksum: false`
    /// only records whether the data matches its checksum).
    public static func load(_ file: String, verifyingChecksum: Bool = true) throws(CheckpointError) -> Checkpoint {
        let bytes: [UInt8]
        do {
            bytes = try Files.read(file)
        } catch {
            throw .unreadable(path: file, reason: error.reason)
        }
        return try Checkpoint.decode(bytes, path: file, verifyingChecksum: verifyingChecksum)
    }

    /// The newest checkpoint that loads and passes `isUsable`, with the
    /// reasons the newer ones were passed over (to be reported, not hidden).
    public func newestValid(
        isUsable: (Checkpoint, String) -> CheckpointError? = { _, _ in nil }
    ) -> (checkpoint: (Checkpoint, String)?, skipped: [CheckpointError]) {
        var skipped = [CheckpointError]()
        let paths: [String]
        do {
            paths = try checkpointPaths()
        } catch {
            return (nil, [.unreadable(path: path, reason: error.reason)])
        }
        for file in paths {
            do {
                let checkpoint = try Self.load(file)
                if let problem = isUsable(checkpoint, file) {
                    skipped.append(problem)
                    continue
                }
                return ((checkpoint, file), skipped)
            } catch {
                skipped.append(error)
            }
        }
        return (nil, skipped)
    }
}
