import Logging
import SystemIO
import Checkpoints

/// The run's live branch in its output directory: the checkpoints it wrote,
/// as `OUT/latest.json` records them (``RunPointer``).
///
/// Everything that deletes or replaces a file in the directory goes through
/// here, and each such file must prove it is the branch's own: pruning
/// deletes only listed files whose bytes still match their record, and a
/// file in the way of a new checkpoint that the branch did not write is
/// moved aside rather than overwritten. So a half-copied file, another
/// tool's file or another run's checkpoint never costs a good checkpoint.
package struct LiveBranch {
    let directory: CheckpointDirectory
    package private(set) var pointer: RunPointer

    package init(directory: CheckpointDirectory, pointer: RunPointer) {
        self.directory = directory
        self.pointer = pointer
    }

    var pointerPath: String { "\(directory.path)/\(RunPointer.fileName)" }

    /// Replaces `latest.json` atomically with the pointer as it is now.
    package func writePointer() throws(FileError) {
        try Files.writeAtomically(pointer.encoded(), to: pointerPath)
    }

    /// The kernels this start runs on, recorded in `latest.json` with the
    /// first checkpoint it writes (a start that writes none changes nothing).
    package var runningBLASKernels: [String] = []

    /// Notes that the run continues from `from` at `step`, having moved the
    /// abandoned branch's files to `abandoned` (if any).
    package mutating func recordResumption(from: String, step: Int, abandoned: String?) {
        pointer.lineage.append(RunPointer.Resumption(from: from, step: step, at: ProcessIdentity.utcTimestamp(),
                                                     abandoned: abandoned))
    }

    /// Makes `record` (already on disk) a checkpoint of the branch.
    package mutating func adopt(_ record: CheckpointRecord) {
        pointer.add(record)
    }

    /// Drops the records newer than `step` (their files have been moved aside).
    package mutating func forget(newerThan step: Int) {
        pointer.checkpoints.removeAll { $0.step > step }
    }

    /// Writes `checkpoint`, records it in `latest.json` as the branch's
    /// newest, then prunes the branch to `keep`. Returns the path written.
    package mutating func save(_ checkpoint: Checkpoint, logger: Logger) throws(FileError) -> String {
        let name = directory.fileName(step: checkpoint.progress.step)
        let target = "\(directory.path)/\(name)"
        if Files.exists(target) && !pointer.checkpoints.contains(where: { $0.fileName == name }) {
            let aside = Files.unusedName("\(target).displaced")
            try Files.move(target, to: aside)
            logger.warning("moved \(target) to \(aside): this run did not write it, and a new checkpoint goes there")
        }
        pointer.add(try directory.save(checkpoint))
        pointer.blasKernels = runningBLASKernels
        // The pointer names the new file before any old one goes: a crash in
        // between leaves the pointer listing a deleted file, never naming a
        // missing newest.
        try writePointer()
        try prune(logger: logger)
        return target
    }

    /// Deletes the branch's checkpoints beyond the newest `keep`, each only
    /// after loading it and finding it still the file this run recorded; one
    /// that is not (changed, replaced, unreadable) is left where it is,
    /// dropped from the list, and reported.
    mutating func prune(logger: Logger) throws(FileError) {
        guard pointer.checkpoints.count > directory.keep else { return }
        for record in pointer.checkpoints.dropFirst(directory.keep) {
            let path = "\(directory.path)/\(record.fileName)"
            guard Files.exists(path) else { continue }
            do {
                _ = try record.load(in: directory.path)
            } catch {
                logger.warning("not pruning \(path), left in place: \(error.description)")
                continue
            }
            try Files.remove(path)
        }
        pointer.checkpoints.removeLast(pointer.checkpoints.count - directory.keep)
        try writePointer()
    }
}
