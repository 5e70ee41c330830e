/// Why an HDF5 file, object or value could not be read. Each case names the
/// file and the object inside it, so one line tells the user where to look.
public enum HDF5Error: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file cannot be opened; `reason` is the system's or HDF5's.
    case unopenable(path: String, reason: String)
    /// The file exists but has no HDF5 signature.
    case notHDF5(path: String)
    /// No object of that name exists.
    case missing(path: String, object: String)
    /// The object exists but is of another kind (a group where a dataset was expected, ...).
    case wrongKind(path: String, object: String, expected: String, found: String)
    case missingAttribute(path: String, object: String, attribute: String)
    /// A dataset or attribute whose stored type cannot be read as asked.
    case unsupportedType(path: String, object: String, found: String, expected: String)
    /// A compression or other filter that this libhdf5 cannot decode.
    case filterUnavailable(path: String, object: String, filter: String)
    /// A read outside the dataset, or of a size that overflows.
    case outOfRange(path: String, object: String, requested: String, available: String)
    /// An HDF5 call failed on a file that looked fine until then (often a
    /// truncated or damaged file); `reason` is HDF5's innermost message.
    case failed(path: String, object: String, operation: String, reason: String)

    public var description: String {
        switch self {
        case let .unopenable(path, reason):
            "\(path): cannot open as HDF5: \(reason)"
        case let .notHDF5(path):
            "\(path): not an HDF5 file (no HDF5 signature)"
        case let .missing(path, object):
            "\(path): has no \(object)"
        case let .wrongKind(path, object, expected, found):
            "\(path): \(object) is a \(found), expected a \(expected)"
        case let .missingAttribute(path, object, attribute):
            "\(path): \(object) has no attribute '\(attribute)'"
        case let .unsupportedType(path, object, found, expected):
            "\(path): \(object) holds \(found), expected \(expected)"
        case let .filterUnavailable(path, object, filter):
            "\(path): \(object) is compressed with \(filter), which this libhdf5 cannot decode"
                + (filter.hasPrefix("LZF") ? "; install its plugin (Debian: apt-get install hdf5-plugin-lzf liblzf1) or rewrite the file with gzip compression"
                                           : "; install its HDF5 plugin (HDF5_PLUGIN_PATH) or rewrite the file with gzip compression")
        case let .outOfRange(path, object, requested, available):
            "\(path): \(object): cannot read \(requested), it holds \(available)"
        case let .failed(path, object, operation, reason):
            "\(path): \(object): \(operation) failed" + (reason.isEmpty ? "" : ": \(reason)") + " (is the file truncated or damaged?)"
        }
    }
}
