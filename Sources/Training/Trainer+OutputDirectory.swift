import SystemIO
import Checkpoints
import RunDirectory
import TrainingCore

extension Trainer {
    /// What rank 0 found to resume, and whether `metrics.jsonl` in the output
    /// directory is that branch's own (and so cut back to the checkpoint's step).
    struct Resumed {
        let checkpoint: Checkpoint
        let path: String
        let ownsMetrics: Bool
    }

    /// Rank 0: locks and probes the output directory, then decides where the
    /// run starts and makes `latest.json` say so. A run owns its directory:
    /// it refuses one holding another run's checkpoints, continues only its
    /// own branch, and moves a branch it leaves aside instead of pruning it.
    func prepareOutputAndFindCheckpoint() throws(TrainingError) -> Resumed? {
        let output = configuration.outputDirectory
        do {
            try Files.createDirectory(output)
        } catch {
            throw .configuration("--out \(output): cannot write there: \(error.reason)")
        }
        outputLock = try OutputLock.acquire(output, logger: logger)
        do {
            try Files.probeWritable(output)
            try checkpoints.removeStaleTemporaryFiles()
        } catch {
            throw .configuration("--out \(output): cannot write there: \(error.reason)")
        }
        let found = try OutputContents.read(checkpoints)
        let resumed: Resumed?
        switch configuration.resume {
        case .none:
            try refuseForeignCheckpoints(found, fix: "pass --resume auto to continue that run, or choose another --out")
            branch = LiveBranch(directory: checkpoints, pointer: .fresh())
            resumed = nil
        case let .path(file):
            resumed = try resumeExplicitly(file, found)
        case .auto:
            resumed = try resumeAutomatically(found)
        }
        branch?.runningBLASKernels = blasKernels.distinct
        if resumed != nil, let before = branch?.pointer.blasKernels, !before.isEmpty,
           before.map { $0.lowercased() } != blasKernels.distinct.map { $0.lowercased() } {
            let advice = before.count == 1 ? " (set OPENBLAS_CORETYPE=\(before[0].uppercased()) to keep them)" : ""
            logger.notice("resuming on \(blasKernels.description) where this run's newest checkpoint was computed on \(before.joined(separator: ", ")) kernels: from here on its bits differ from an uninterrupted run's\(advice)")
        }
        do {
            try branch?.writePointer()
        } catch {
            throw .file(error)
        }
        if let resumed { logger.info("resuming from \(resumed.path) (step \(resumed.checkpoint.progress.step))") }
        return resumed
    }

    /// Refuses to start a new run in a directory that holds checkpoint files:
    /// two runs in one directory would take each other's files for their own.
    private func refuseForeignCheckpoints(_ found: OutputContents, fix: String) throws(TrainingError) {
        if let newest = found.checkpointPaths.first {
            throw .configuration("--out \(configuration.outputDirectory) already holds checkpoints (newest: \(newest)); \(fix)")
        }
    }

    /// `--resume PATH`: a checkpoint of this directory's live branch (the
    /// newest, or an older one to branch off from), or of another directory
    /// into an output directory without checkpoints.
    private func resumeExplicitly(_ file: String, _ found: OutputContents) throws(TrainingError) -> Resumed {
        let checkpoint: Checkpoint
        do {
            checkpoint = try CheckpointDirectory.load(file)
        } catch {
            throw .checkpoint(error)
        }
        if let problem = incompatibility(of: checkpoint, path: file) { throw .checkpoint(problem) }
        let step = checkpoint.progress.step
        guard found.isInDirectory(file) else {
            try refuseForeignCheckpoints(found, fix: "resuming \(file), from another directory, there would mix two runs; choose an empty --out")
            var branch = LiveBranch(directory: checkpoints, pointer: .fresh())
            branch.recordResumption(from: file, step: step, abandoned: nil)
            self.branch = branch
            return Resumed(checkpoint: checkpoint, path: file, ownsMetrics: false)
        }
        let name = OutputContents.fileName(of: file)
        var branch: LiveBranch
        let newer: [String]
        if case let .valid(pointer) = found.pointer {
            guard let record = pointer.checkpoints.first(where: { $0.fileName == name }) else {
                throw .configuration("--resume \(file): \(RunPointer.fileName) in \(configuration.outputDirectory) does not list it as a checkpoint of the run there; resume one it lists, or --resume auto, or copy the file to another --out")
            }
            do {
                _ = try record.load(in: checkpoints.path)
            } catch {
                throw .checkpoint(error)
            }
            branch = LiveBranch(directory: checkpoints, pointer: pointer)
            newer = pointer.checkpoints.filter { $0.step > step }.map(\.fileName)
        } else {
            try setAsideDamagedPointer(found)
            branch = LiveBranch(directory: checkpoints, pointer: .fresh())
            branch.adopt(try record(of: file, step: step))
            // Without a pointer, the newer valid checkpoints are the branch left behind.
            newer = found.checkpointPaths.filter { path in
                (try? CheckpointDirectory.load(path)).map { $0.progress.step > step } ?? false
            }.map(OutputContents.fileName(of:))
        }
        try continueBranch(&branch, from: name, step: step, abandoning: newer)
        return Resumed(checkpoint: checkpoint, path: file, ownsMetrics: true)
    }

    /// `--resume auto`: the newest usable checkpoint `latest.json` lists;
    /// failing that (no pointer, a damaged one, or none of its files usable),
    /// the newest valid checkpoint file, saying so; failing that, a fresh start.
    private func resumeAutomatically(_ found: OutputContents) throws(TrainingError) -> Resumed? {
        var tried = Set<String>()
        if case let .valid(pointer) = found.pointer {
            for record in pointer.checkpoints {
                tried.insert(record.fileName)
                let path = "\(checkpoints.path)/\(record.fileName)"
                let checkpoint: Checkpoint
                do {
                    checkpoint = try record.load(in: checkpoints.path)
                } catch {
                    logger.warning("skipping checkpoint: \(error.description)")
                    continue
                }
                if let problem = incompatibility(of: checkpoint, path: path) {
                    logger.warning("skipping checkpoint: \(problem.description)")
                    continue
                }
                var branch = LiveBranch(directory: checkpoints, pointer: pointer)
                let newer = pointer.checkpoints.filter { $0.step > record.step }.map(\.fileName)
                try continueBranch(&branch, from: record.fileName, step: record.step, abandoning: newer)
                return Resumed(checkpoint: checkpoint, path: path, ownsMetrics: true)
            }
            // Only worth saying when there are files it did not list: otherwise
            // the skips above and the refusal below say everything.
            let unlisted = found.checkpointPaths.contains { !tried.contains(OutputContents.fileName(of: $0)) }
            if !pointer.checkpoints.isEmpty && unlisted {
                logger.warning("--resume auto: \(RunPointer.fileName) in \(configuration.outputDirectory) lists no checkpoint that can continue this run; looking among the files it does not list")
            }
        } else if !found.checkpointPaths.isEmpty {
            let why = switch found.pointer {
            case let .damaged(reason): "\(found.pointerPath) is damaged (\(reason))"
            default: "there is no \(found.pointerPath) (an older vae-dist, or removed)"
            }
            logger.warning("--resume auto: \(why); looking for the newest valid checkpoint file instead")
        }
        let (candidate, skipped) = checkpoints.newestValid(isUsable: incompatibility)
        for problem in skipped where !tried.contains(OutputContents.fileName(of: problem.path)) {
            logger.warning("skipping checkpoint: \(problem.description)")
        }
        try setAsideDamagedPointer(found)
        var branch = LiveBranch(directory: checkpoints, pointer: found.validPointer ?? .fresh())
        guard let (checkpoint, path) = candidate else {
            if let newest = found.checkpointPaths.first {
                throw .configuration("--resume auto: none of the \(found.checkpointPaths.count) checkpoint(s) in \(configuration.outputDirectory) can continue this run (newest: \(newest)); fix the flags or choose another --out")
            }
            logger.info("--resume auto: no checkpoint in \(configuration.outputDirectory) yet, starting from scratch")
            self.branch = LiveBranch(directory: checkpoints, pointer: .fresh())
            return nil
        }
        let step = checkpoint.progress.step
        // The listed files the pointer's branch wrote after this point are left behind with it.
        let newer = branch.pointer.checkpoints.filter { $0.step > step }.map(\.fileName)
        let abandoned = try abandon(&branch, newer, after: step)
        // The listed files older than this one are of unknown relation to it: kept, no longer the branch's.
        branch.forget(newerThan: -1)
        branch.adopt(try record(of: path, step: step))
        branch.recordResumption(from: OutputContents.fileName(of: path), step: step, abandoned: abandoned)
        self.branch = branch
        return Resumed(checkpoint: checkpoint, path: path, ownsMetrics: true)
    }

    /// Continues `branch` from its checkpoint `name` at `step`: the branch's
    /// newer files are moved aside (a rollback starts a new branch), and the
    /// resumption joins the lineage.
    private func continueBranch(_ branch: inout LiveBranch, from name: String, step: Int,
                                abandoning newer: [String]) throws(TrainingError) {
        let abandoned = try abandon(&branch, newer, after: step)
        branch.recordResumption(from: name, step: step, abandoned: abandoned)
        self.branch = branch
    }

    private func abandon(_ branch: inout LiveBranch, _ newer: [String], after step: Int) throws(TrainingError) -> String? {
        do {
            guard let name = try branch.abandon(newer, after: step) else { return nil }
            logger.notice("going back to step \(step) starts a new branch: moved the \(newer.count) newer checkpoint(s) of the old one to \(configuration.outputDirectory)/\(name)/")
            return name
        } catch {
            throw .file(error)
        }
    }

    /// The record of a checkpoint file found without a pointer to vouch for it.
    private func record(of path: String, step: Int) throws(TrainingError) -> CheckpointRecord {
        do {
            return CheckpointRecord(fileName: OutputContents.fileName(of: path), step: step, bytes: try Files.read(path))
        } catch {
            throw .file(error)
        }
    }

    /// A damaged `latest.json` is kept (as `latest.json.damaged`) for a person to look at, not overwritten.
    private func setAsideDamagedPointer(_ found: OutputContents) throws(TrainingError) {
        guard case .damaged = found.pointer, Files.exists(found.pointerPath) else { return }
        let aside = Files.unusedName("\(found.pointerPath).damaged")
        do {
            try Files.move(found.pointerPath, to: aside)
        } catch {
            throw .file(error)
        }
        logger.warning("moved the damaged \(found.pointerPath) to \(aside)")
    }
}
