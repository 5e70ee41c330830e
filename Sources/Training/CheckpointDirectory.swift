import SystemIO

/// The checkpoints of one run: `OUT/checkpoint-<step>.safetensors`, newest
/// by step, the oldest pruned beyond `keep`.
public struct CheckpointDirectory: Sendable {
    public let path: String
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

    /// Writes atomically, then deletes all but the newest `keep` checkpoints.
    /// Returns the path written.
    @discardableResult
    public func save(_ checkpoint: Checkpoint) throws(FileError) -> String {
        let target = "\(path)/\(fileName(step: checkpoint.progress.step))"
        try Files.writeAtomically(checkpoint.encoded(), to: target)
        for old in try checkpointPaths().dropFirst(keep) {
            try Files.remove(old)
        }
        return target
    }

    /// Checkpoint files present, newest (highest step) first.
    public func checkpointPaths() throws(FileError) -> [String] {
        guard Files.isDirectory(path) else { return [] }
        let steps = try Files.list(path).compactMap { name -> (Int, String)? in
            guard name.hasPrefix("checkpoint-"), name.hasSuffix(".safetensors") else { return nil }
            let digits = name.dropFirst("checkpoint-".count).dropLast(".safetensors".count)
            guard let step = Int(digits) else { return nil }
            return (step, "\(path)/\(name)")
        }
        return steps.sorted { $0.0 > $1.0 }.map(\.1)
    }

    /// Removes temporary files left by a writer that died mid-write (the
    /// checkpoints themselves are never partial: they appear by rename).
    public func removeStaleTemporaryFiles() throws(FileError) {
        for name in try Files.list(path) where name.hasPrefix("checkpoint-") && name.contains(".safetensors.tmp.") {
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
