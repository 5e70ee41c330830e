import ArgumentParser
import SystemIO
import Training
import TrainingCore

/// `--force` for the commands that write one file from their inputs.
struct OverwriteOption: ParsableArguments {
    @Flag(help: "Write --out even when it is one of the inputs or an existing .safetensors file.")
    var force = false
}

/// No command overwrites its inputs: `export`, `sample`, `reconstruct` and
/// `manifold` refuse an `--out` that is one of the files they read (a
/// checkpoint exported onto itself would become a weights-only file, and
/// the run's state would be gone) or an existing `.safetensors` file (a
/// checkpoint or model, whichever it is), unless `--force` is given.
enum OutputGuard {
    /// Refuses `out` as described above. `inputs` are files or directories
    /// (every file directly in a directory counts, as `--data`'s do).
    static func check(_ out: String, inputs: [String], force: Bool) throws(TrainingError) {
        guard !force else { return }
        let target = Identity(out)
        for input in inputs.flatMap(files(in:)) where target != nil && Identity(input) == target {
            throw .configuration("--out \(out) is the input \(input): writing there would destroy it; choose another --out, or pass --force")
        }
        if Files.exists(out) && out.lowercased().hasSuffix(".safetensors") {
            throw .configuration("--out \(out) already exists and may be a checkpoint or model: pass --force to replace it, or choose another --out")
        }
    }

    /// The files `path` stands for: itself, or a directory's entries.
    private static func files(in path: String) -> [String] {
        guard Files.isDirectory(path), let names = try? Files.list(path) else { return [path] }
        return names.map { "\(path)/\($0)" }
    }

    /// A file however it is named: device and inode when it exists (so
    /// links and `./` spellings match), else its resolved path.
    private enum Identity: Equatable {
        case inode(device: UInt64, inode: UInt64)
        case path(String)

        init?(_ path: String) {
            if let status = try? Files.status(path) {
                self = .inode(device: status.device, inode: status.inode)
            } else if let parent = Files.resolvedPath(Files.parentDirectory(of: path)) {
                let name = path.split(separator: "/").last.map(String.init) ?? path
                self = .path(parent + "/" + name)
            } else {
                return nil
            }
        }
    }
}
