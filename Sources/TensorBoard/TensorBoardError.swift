import SystemIO

/// Why an event file could not be written (or read back); every case names
/// the file, so a training log line says which run's events are affected.
public enum TensorBoardError: Error, CustomStringConvertible, Sendable {
    /// The file system refused (no space, no permission, ...).
    case file(FileError)
    /// The writer was used after ``EventFileWriter/close()``.
    case closed(path: String)
    /// A tag that TensorBoard could not show: empty, or twice in one event.
    case invalidTag(path: String, tag: String, reason: String)
    /// Image bytes that are not the PNG the call describes.
    case invalidImage(path: String, tag: String, reason: String)
    /// An event that protobuf could not serialize (or parse, when reading).
    case encoding(path: String, reason: String)
    /// A record whose framing or checksums are wrong, at a byte offset.
    case corruptRecord(path: String, offset: Int, reason: String)

    public var description: String {
        switch self {
        case .file(let error):
            return error.description
        case .closed(let path):
            return "\(path): the event file is already closed"
        case .invalidTag(let path, let tag, let reason):
            return "\(path): tag \"\(tag)\": \(reason)"
        case .invalidImage(let path, let tag, let reason):
            return "\(path): image \"\(tag)\": \(reason)"
        case .encoding(let path, let reason):
            return "\(path): \(reason)"
        case .corruptRecord(let path, let offset, let reason):
            return "\(path): record at byte \(offset): \(reason)"
        }
    }
}
