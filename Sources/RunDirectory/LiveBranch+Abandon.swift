import SystemIO

extension LiveBranch {
    /// Moves `fileNames` (checkpoints newer than the one a run goes back to)
    /// into a new `OUT/abandoned-<step>-<n>/`, with copies of `metrics.jsonl`
    /// and `latest.json` as they were, and drops them from the branch. A
    /// branch left behind is kept whole, never deleted, and out of reach of
    /// `--resume auto`. Returns the new directory's name (nil: nothing to move).
    package mutating func abandon(_ fileNames: [String], after step: Int) throws(FileError) -> String? {
        let present = fileNames.filter { Files.exists("\(directory.path)/\($0)") }
        guard !present.isEmpty else {
            forget(newerThan: step)
            return nil
        }
        var number = 1
        while Files.exists("\(directory.path)/abandoned-\(step)-\(number)") { number += 1 }
        let name = "abandoned-\(step)-\(number)"
        let aside = "\(directory.path)/\(name)"
        try Files.createDirectory(aside)
        for file in [MetricsLog.fileName, RunPointer.fileName] where Files.exists("\(directory.path)/\(file)") {
            try Files.writeAtomically(try Files.read("\(directory.path)/\(file)"), to: "\(aside)/\(file)")
        }
        for file in present {
            try Files.move("\(directory.path)/\(file)", to: "\(aside)/\(file)")
        }
        forget(newerThan: step)
        return name
    }
}
