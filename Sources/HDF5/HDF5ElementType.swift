import CHDF5

/// What one stored element is, as far as readers here care: enough to choose
/// a conversion and to name the type in a message.
public enum HDF5ElementType: Sendable, Equatable, CustomStringConvertible {
    case float(bytes: Int)
    case signedInteger(bytes: Int)
    case unsignedInteger(bytes: Int)
    case string(variableLength: Bool)
    /// An enumeration, e.g. h5py's bool: an int8 base with members FALSE = 0, TRUE = 1.
    case enumeration(members: [String: Int64])
    case compound
    case other(String)

    public var description: String {
        switch self {
        case let .float(bytes): "float\(bytes * 8)"
        case let .signedInteger(bytes): "int\(bytes * 8)"
        case let .unsignedInteger(bytes): "uint\(bytes * 8)"
        case let .string(variableLength): variableLength ? "variable-length strings" : "fixed-length strings"
        case let .enumeration(members): "an enum (" + members.sorted { $0.value < $1.value }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
        case .compound: "a compound type (a table)"
        case let .other(name): name
        }
    }

    /// True for numbers HDF5 converts to any native number type.
    public var isNumeric: Bool {
        switch self {
        case .float, .signedInteger, .unsignedInteger: true
        default: false
        }
    }

    /// True for h5py's and NumPy's bool: an enum of FALSE = 0 and TRUE = 1.
    public var isBoolean: Bool {
        self == .enumeration(members: ["FALSE": 0, "TRUE": 1])
    }

    init(type: hid_t) {
        let size = H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_FLOAT: self = .float(bytes: size)
        case H5T_INTEGER: self = H5Tget_sign(type) == H5T_SGN_NONE ? .unsignedInteger(bytes: size) : .signedInteger(bytes: size)
        case H5T_STRING: self = .string(variableLength: H5Tis_variable_str(type) > 0)
        case H5T_ENUM: self = .enumeration(members: Self.members(ofEnum: type))
        case H5T_COMPOUND: self = .compound
        case H5T_BITFIELD: self = .other("a bitfield")
        case H5T_OPAQUE: self = .other("opaque bytes")
        case H5T_REFERENCE: self = .other("object references")
        case H5T_VLEN: self = .other("variable-length sequences")
        case H5T_ARRAY: self = .other("an array type")
        case H5T_TIME: self = .other("a time type")
        default: self = .other("an unknown type")
        }
    }

    private static func members(ofEnum type: hid_t) -> [String: Int64] {
        let count = H5Tget_nmembers(type)
        guard count > 0, count <= 1024 else { return [:] }
        var members = [String: Int64]()
        for index in 0..<UInt32(count) {
            var value: Int64 = 0
            guard H5Tget_member_value(type, index, &value) >= 0 else { continue }  // fills the base's width
            let base = H5Tget_super(type)
            defer { if base >= 0 { _ = H5Tclose(base) } }
            // H5Tget_member_value writes the base type's bytes: widen them by hand.
            let width = base >= 0 ? H5Tget_size(base) : 8
            let signed = base >= 0 && H5Tget_sign(base) != H5T_SGN_NONE
            if width < 8 {
                let bits = Int64(width * 8)
                let masked = value & ((1 << bits) - 1)
                value = signed && masked & (1 << (bits - 1)) != 0 ? masked - (1 << bits) : masked
            }
            guard let name = H5Tget_member_name(type, index) else { continue }
            members[String(cString: name)] = value
            H5free_memory(name)
        }
        return members
    }
}
