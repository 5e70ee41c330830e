/// How a dataset stores each value on disk or in memory. Gathering converts
/// every kind to the model's `Float` as rows are copied, so a dataset stays
/// in its compact form (bytes are a quarter of the floats' size) until a
/// batch needs it.
public enum StoredElement: Sendable, Equatable, CustomStringConvertible {
    /// Unsigned bytes, scaled by 1/255 into [0, 1] (images).
    case uint8
    /// Little-endian IEEE 754 single precision, copied as they are.
    case float32
    /// Little-endian IEEE 754 double precision, rounded to the nearest Float.
    case float64

    public var byteWidth: Int {
        switch self {
        case .uint8: 1
        case .float32: 4
        case .float64: 8
        }
    }

    /// The factor gathering applies: bytes become [0, 1], floats stay as they are.
    public var scale: Float {
        self == .uint8 ? 1 / 255 : 1
    }

    public var description: String {
        switch self {
        case .uint8: "uint8"
        case .float32: "float32"
        case .float64: "float64"
        }
    }
}
