import SystemIO
import Checkpoints
import TrainingCore

/// What rank 0 finds in the output directory before a run starts: the run
/// pointer (if any, and whether it can be read) and the checkpoint files.
package struct OutputContents {
    package enum Pointer {
        case missing
        case damaged(String)
        case valid(RunPointer)
    }

    let directory: String
    package let pointer: Pointer
    /// Files named like checkpoints, newest first by name: what they hold is
    /// not known until each is loaded.
    package let checkpointPaths: [String]

    package var pointerPath: String { "\(directory)/\(RunPointer.fileName)" }

    package var validPointer: RunPointer? {
        if case let .valid(pointer) = pointer { return pointer }
        return nil
    }

    package static func read(_ checkpoints: CheckpointDirectory) throws(TrainingError) -> OutputContents {
        let path = "\(checkpoints.path)/\(RunPointer.fileName)"
        let pointer: Pointer
        if !Files.exists(path) {
            pointer = .missing
        } else {
            do {
                pointer = .valid(try RunPointer.decode(try Files.read(path)))
            } catch let error as FileError {
                pointer = .damaged(error.reason)
            } catch let error as RunPointer.Damage {
                pointer = .damaged(error.description)
            } catch {
                pointer = .damaged("\(error)")
            }
        }
        do {
            return OutputContents(directory: checkpoints.path, pointer: pointer, checkpointPaths: try checkpoints.checkpointPaths())
        } catch {
            throw .file(error)
        }
    }

    /// Whether `file` is a checkpoint file of this directory (however the
    /// path reaches it: the parent directories are compared by device and
    /// inode), as opposed to one from elsewhere.
    package func isInDirectory(_ file: String) -> Bool {
        guard CheckpointDirectory.step(ofFileName: Self.fileName(of: file)) != nil,
              let parent = try? Files.status(Files.parentDirectory(of: file)),
              let mine = try? Files.status(directory) else { return false }
        return parent.device == mine.device && parent.inode == mine.inode
    }

    package static func fileName(of path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
    }
}

extension CheckpointError {
    /// The file the error is about.
    package var path: String {
        switch self {
        case let .unreadable(path, _), let .malformed(path, _), let .checksumMismatch(path, _, _, _),
             let .unsupportedVersion(path, _, _), let .incompatible(path, _, _):
            path
        }
    }
}
