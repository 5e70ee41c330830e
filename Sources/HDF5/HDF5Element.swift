import CHDF5

/// A native number type that HDF5 converts stored numbers into: whatever a
/// dataset holds (float32/64, int8…64, uint8…64), a read into one of these
/// asks HDF5 to convert, so callers name the type they compute with, never
/// the type the file happens to use.
public protocol HDF5Element: BitwiseCopyable, Sendable {
    static var hdf5Native: HDF5NativeType { get }
}

/// The native types a read can produce.
public enum HDF5NativeType: Sendable {
    case float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64

    var typeID: hid_t {
        switch self {
        case .float32: vae_h5t_native_float()
        case .float64: vae_h5t_native_double()
        case .int8: vae_h5t_native_int8()
        case .int16: vae_h5t_native_int16()
        case .int32: vae_h5t_native_int32()
        case .int64: vae_h5t_native_int64()
        case .uint8: vae_h5t_native_uint8()
        case .uint16: vae_h5t_native_uint16()
        case .uint32: vae_h5t_native_uint32()
        case .uint64: vae_h5t_native_uint64()
        }
    }
}

extension Float: HDF5Element { public static var hdf5Native: HDF5NativeType { .float32 } }
extension Double: HDF5Element { public static var hdf5Native: HDF5NativeType { .float64 } }
extension Int8: HDF5Element { public static var hdf5Native: HDF5NativeType { .int8 } }
extension Int16: HDF5Element { public static var hdf5Native: HDF5NativeType { .int16 } }
extension Int32: HDF5Element { public static var hdf5Native: HDF5NativeType { .int32 } }
extension Int64: HDF5Element { public static var hdf5Native: HDF5NativeType { .int64 } }
extension UInt8: HDF5Element { public static var hdf5Native: HDF5NativeType { .uint8 } }
extension UInt16: HDF5Element { public static var hdf5Native: HDF5NativeType { .uint16 } }
extension UInt32: HDF5Element { public static var hdf5Native: HDF5NativeType { .uint32 } }
extension UInt64: HDF5Element { public static var hdf5Native: HDF5NativeType { .uint64 } }
