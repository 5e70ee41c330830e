/// Why libpng could not read or write an image, in libpng's words (or ours
/// for limits it does not check). Callers add the file's path.
public struct PNGError: Error, CustomStringConvertible, Sendable, Equatable {
    public let reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}
