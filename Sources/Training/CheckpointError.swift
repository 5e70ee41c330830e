/// Why a checkpoint could not be written, read or used. Each case names the file.
public enum CheckpointError: Error, CustomStringConvertible, Sendable {
    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)
    case checksumMismatch(path: String, expected: String, actual: String)
    case unsupportedVersion(path: String, found: String, supported: Int)
    case incompatible(path: String, reason: String)
    case noneFound(directory: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "\(path): cannot read checkpoint: \(reason)"
        case let .malformed(path, reason): "\(path): not a valid vae-dist checkpoint: \(reason)"
        case let .checksumMismatch(path, expected, actual):
            "\(path): checkpoint is corrupt: tensor data checksum is \(actual), header says \(expected)"
        case let .unsupportedVersion(path, found, supported):
            "\(path): checkpoint format version \(found) is not supported (this vae-dist reads version \(supported))"
        case let .incompatible(path, reason): "\(path): cannot resume from this checkpoint: \(reason)"
        case let .noneFound(directory): "\(directory): --resume auto found no valid checkpoint"
        }
    }
}
