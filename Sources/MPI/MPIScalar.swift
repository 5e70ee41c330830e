import CMPI

/// An element type MPI can move and reduce: the Swift type and its MPI datatype.
public protocol MPIScalar: Sendable {
    static var datatype: MPIDatatype { get }
}

/// An MPI datatype handle; opaque above this module.
public struct MPIDatatype: @unchecked Sendable {
    let handle: MPI_Datatype
}

extension Float: MPIScalar { public static var datatype: MPIDatatype { MPIDatatype(handle: vae_mpi_float()) } }
extension Double: MPIScalar { public static var datatype: MPIDatatype { MPIDatatype(handle: vae_mpi_double()) } }
extension Int32: MPIScalar { public static var datatype: MPIDatatype { MPIDatatype(handle: vae_mpi_int32()) } }
extension Int64: MPIScalar { public static var datatype: MPIDatatype { MPIDatatype(handle: vae_mpi_int64()) } }
extension UInt64: MPIScalar { public static var datatype: MPIDatatype { MPIDatatype(handle: vae_mpi_uint64()) } }
extension UInt8: MPIScalar { public static var datatype: MPIDatatype { MPIDatatype(handle: vae_mpi_uint8()) } }

/// The reductions vae-dist uses.
public enum ReductionOperation: Sendable {
    case sum
    case max
    case min

    var handle: MPI_Op {
        switch self {
        case .sum: vae_mpi_sum()
        case .max: vae_mpi_max()
        case .min: vae_mpi_min()
        }
    }
}
