/// Why a checkpoint or model file could not be written, read or used. Each
/// case names the file, and every description is one line.
public enum CheckpointError: Error, CustomStringConvertible, Sendable {
    /// What the file was wanted for, so an incompatibility says what could
    /// not be done.
    public enum Purpose: Sendable {
        /// `train --resume`: continuing the run the checkpoint came from.
        case resume
        /// `train --init`: starting a run from the file's weights.
        case initialize

        var failure: String {
            switch self {
            case .resume: "cannot resume from this checkpoint"
            case .initialize: "cannot initialize the model from this file"
            }
        }
    }

    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)
    /// `field` is the metadata key holding the checksum (its coverage
    /// depends on the format version; see `CheckpointChecksum`).
    case checksumMismatch(path: String, field: String, expected: String, actual: String)
    case unsupportedVersion(path: String, found: String, supported: ClosedRange<Int>)
    /// A valid file that cannot serve `purpose` (resuming unless said
    /// otherwise, as that is where most incompatibilities arise).
    case incompatible(path: String, purpose: Purpose = .resume, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "\(path): cannot read checkpoint: \(reason)"
        case let .malformed(path, reason): "\(path): not a valid vae-dist checkpoint: \(reason)"
        case let .checksumMismatch(path, field, expected, actual):
            "\(path): checkpoint is corrupt: \(field) is \(actual) over the file's \(CheckpointChecksum.scope(field: field)), the header says \(expected)"
        case let .unsupportedVersion(path, found, supported):
            "\(path): checkpoint format version \(found) is not supported (this vae-dist reads versions \(supported.lowerBound) to \(supported.upperBound))"
        case let .incompatible(path, purpose, reason): "\(path): \(purpose.failure): \(reason)"
        }
    }
}
