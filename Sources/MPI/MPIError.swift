import CMPI

/// A failed MPI call: which call, its return code, and MPI's own text for it.
///
/// The world communicator is set to `MPI_ERRORS_RETURN`, so failures come back
/// as codes instead of aborting the job inside OpenMPI; the caller decides.
public struct MPIError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let code: Int32
    public let message: String

    public var description: String { "\(call) failed (code \(code)): \(message)" }
}

/// Runs one MPI call and throws an ``MPIError`` naming it if it did not succeed.
@inline(__always)
func mpi(_ call: String, _ body: () -> Int32) throws(MPIError) {
    let code = body()
    guard code == MPI_SUCCESS else { throw MPIError(call: call, code: code, message: errorString(code)) }
}

private func errorString(_ code: Int32) -> String {
    var text = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
    var length: Int32 = 0
    guard MPI_Error_string(code, &text, &length) == MPI_SUCCESS else { return "unknown MPI error" }
    return String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
