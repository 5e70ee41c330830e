import CMPI
import Tensors

/// A group of ranks that run collectives together (the world, for vae-dist).
///
/// Every collective is called by every rank in the same order; the methods
/// mirror MPI's and throw an ``MPIError`` naming the call on failure.
public struct Communicator: @unchecked Sendable {
    let handle: MPI_Comm
    public let rank: Int
    public let size: Int

    init(handle: MPI_Comm) throws(MPIError) {
        self.handle = handle
        var rank: Int32 = 0
        var size: Int32 = 0
        try mpi("MPI_Comm_rank") { MPI_Comm_rank(handle, &rank) }
        try mpi("MPI_Comm_size") { MPI_Comm_size(handle, &size) }
        self.rank = Int(rank)
        self.size = Int(size)
    }

    public var isRoot: Bool { rank == 0 }

    public func barrier() throws(MPIError) {
        try mpi("MPI_Barrier") { MPI_Barrier(handle) }
    }

    /// Replaces `values` on every rank with the element-wise reduction over all ranks.
    public func allreduce<T: MPIScalar>(_ values: inout [T], _ operation: ReductionOperation = .sum) throws(MPIError) {
        let count = Int32(values.count)
        try mpi("MPI_Allreduce") {
            values.withUnsafeMutableBufferPointer { buffer in
                MPI_Allreduce(vae_mpi_in_place(), buffer.baseAddress, count, T.datatype.handle, operation.handle, handle)
            }
        }
    }

    /// In-place reduction of a view of a ``FloatBuffer``: the gradient allreduce.
    public func allreduce(_ vector: Vector, _ operation: ReductionOperation = .sum) throws(MPIError) {
        try mpi("MPI_Allreduce") {
            MPI_Allreduce(vae_mpi_in_place(), vector.buffer.base + vector.offset, Int32(vector.count),
                          Float.datatype.handle, operation.handle, handle)
        }
    }

    /// In-place sum of fixed-point gradients: exact, so the same on every
    /// rank count and reduction order.
    public func allreduce(_ values: Int64Buffer) throws(MPIError) {
        try mpi("MPI_Allreduce") {
            MPI_Allreduce(vae_mpi_in_place(), values.base, Int32(values.count), Int64.datatype.handle,
                          ReductionOperation.sum.handle, handle)
        }
    }

    /// ``reduceScatter(_:into:counts:_:)`` for fixed-point gradients.
    public func reduceScatter(_ send: Int64Buffer, into receive: Int64Buffer, counts: [Int]) throws(MPIError) {
        precondition(counts.count == size && counts.reduce(0, +) == send.count, "counts must split the buffer over the ranks")
        precondition(receive.count >= counts[rank], "receive holds this rank's part")
        let counts32 = counts.map { Int32($0) }
        try mpi("MPI_Reduce_scatter") {
            counts32.withUnsafeBufferPointer { countsPointer in
                MPI_Reduce_scatter(send.base, receive.base, countsPointer.baseAddress, Int64.datatype.handle,
                                   ReductionOperation.sum.handle, handle)
            }
        }
    }

    /// One value reduced over all ranks.
    public func allreduce<T: MPIScalar>(_ value: T, _ operation: ReductionOperation = .sum) throws(MPIError) -> T {
        var values = [value]
        try allreduce(&values, operation)
        return values[0]
    }

    /// Copies `root`'s `values` to every rank. Every rank must pass an array of
    /// the same length.
    public func broadcast<T: MPIScalar>(_ values: inout [T], root: Int = 0) throws(MPIError) {
        precondition(root >= 0 && root < size, "broadcast root \(root) outside 0..<\(size)")
        let count = Int32(values.count)
        try mpi("MPI_Bcast") {
            values.withUnsafeMutableBufferPointer { buffer in
                MPI_Bcast(buffer.baseAddress, count, T.datatype.handle, Int32(root), handle)
            }
        }
    }

    /// Copies `root`'s view to the same view on every rank: the initial parameters.
    public func broadcast(_ vector: Vector, root: Int = 0) throws(MPIError) {
        precondition(root >= 0 && root < size, "broadcast root \(root) outside 0..<\(size)")
        try mpi("MPI_Bcast") {
            MPI_Bcast(vector.buffer.base + vector.offset, Int32(vector.count), Float.datatype.handle, Int32(root), handle)
        }
    }

    /// The element-wise reduction of every rank's `values`, delivered to `root`
    /// only; other ranks get `nil`.
    public func reduce<T: MPIScalar>(_ values: [T], _ operation: ReductionOperation = .sum, root: Int = 0) throws(MPIError) -> [T]? {
        precondition(root >= 0 && root < size, "reduce root \(root) outside 0..<\(size)")
        var result = values
        let count = Int32(values.count)
        let isRoot = rank == root
        try mpi("MPI_Reduce") {
            values.withUnsafeBufferPointer { send in
                result.withUnsafeMutableBufferPointer { receive in
                    MPI_Reduce(send.baseAddress, isRoot ? receive.baseAddress : nil, count,
                               T.datatype.handle, operation.handle, Int32(root), handle)
                }
            }
        }
        return isRoot ? result : nil
    }

    /// Every rank's `values`, concatenated in rank order, on every rank.
    public func allgather<T: MPIScalar>(_ values: [T]) throws(MPIError) -> [T] {
        guard let first = values.first else { return [] }
        var result = [T](repeating: first, count: values.count * size)
        let count = Int32(values.count)
        try mpi("MPI_Allgather") {
            values.withUnsafeBufferPointer { send in
                result.withUnsafeMutableBufferPointer { receive in
                    MPI_Allgather(send.baseAddress, count, T.datatype.handle,
                                  receive.baseAddress, count, T.datatype.handle, handle)
                }
            }
        }
        return result
    }

    /// Sums `send` (the whole vector, on every rank) and leaves rank r with
    /// the part `counts[r]` elements long that starts at Σ counts[..<r].
    /// With an allgather afterwards, the two halves of an allreduce; in
    /// between, each rank can work on its part alone.
    public func reduceScatter(_ send: Vector, into receive: Vector, counts: [Int],
                              _ operation: ReductionOperation = .sum) throws(MPIError) {
        precondition(counts.count == size && counts.reduce(0, +) == send.count, "counts must split the vector over the ranks")
        precondition(receive.count == counts[rank], "receive holds this rank's part")
        let counts32 = counts.map { Int32($0) }
        try mpi("MPI_Reduce_scatter") {
            counts32.withUnsafeBufferPointer { countsPointer in
                MPI_Reduce_scatter(send.buffer.base + send.offset, receive.buffer.base + receive.offset,
                                   countsPointer.baseAddress, Float.datatype.handle, operation.handle, handle)
            }
        }
    }

    /// Rank r's part of `vector` (the `counts[r]` elements at Σ counts[..<r])
    /// is copied to the same place on every rank: the parts become the whole.
    public func allgather(inPlace vector: Vector, counts: [Int]) throws(MPIError) {
        let (counts32, offsets) = layout(counts, total: vector.count)
        try mpi("MPI_Allgatherv") {
            counts32.withUnsafeBufferPointer { countsPointer in
                offsets.withUnsafeBufferPointer { offsetsPointer in
                    MPI_Allgatherv(vae_mpi_in_place(), 0, Float.datatype.handle, vector.buffer.base + vector.offset,
                                   countsPointer.baseAddress, offsetsPointer.baseAddress, Float.datatype.handle, handle)
                }
            }
        }
    }

    /// Collects every rank's `part` into `whole` on `root`, parts in rank
    /// order. `whole` is significant on `root` only (other ranks pass nil).
    public func gather(_ part: Vector, into whole: Vector?, counts: [Int], root: Int = 0) throws(MPIError) {
        precondition(part.count == counts[rank], "part must be this rank's count")
        precondition((rank == root) == (whole != nil), "whole is given on the root, and only there")
        let (counts32, offsets) = layout(counts, total: whole?.count ?? counts.reduce(0, +))
        try mpi("MPI_Gatherv") {
            counts32.withUnsafeBufferPointer { countsPointer in
                offsets.withUnsafeBufferPointer { offsetsPointer in
                    MPI_Gatherv(part.buffer.base + part.offset, Int32(part.count), Float.datatype.handle,
                                whole.map { $0.buffer.base + $0.offset }, countsPointer.baseAddress, offsetsPointer.baseAddress,
                                Float.datatype.handle, Int32(root), handle)
                }
            }
        }
    }

    /// The inverse of ``gather(_:into:counts:root:)``: `root`'s `whole` is cut
    /// into parts and rank r receives part r. `whole` is significant on `root`
    /// only (other ranks pass nil).
    public func scatter(_ whole: Vector?, into part: Vector, counts: [Int], root: Int = 0) throws(MPIError) {
        precondition(part.count == counts[rank], "part must be this rank's count")
        precondition((rank == root) == (whole != nil), "whole is given on the root, and only there")
        let (counts32, offsets) = layout(counts, total: whole?.count ?? counts.reduce(0, +))
        try mpi("MPI_Scatterv") {
            counts32.withUnsafeBufferPointer { countsPointer in
                offsets.withUnsafeBufferPointer { offsetsPointer in
                    MPI_Scatterv(whole.map { $0.buffer.base + $0.offset }, countsPointer.baseAddress, offsetsPointer.baseAddress,
                                 Float.datatype.handle, part.buffer.base + part.offset, Int32(part.count),
                                 Float.datatype.handle, Int32(root), handle)
                }
            }
        }
    }

    private func layout(_ counts: [Int], total: Int) -> ([Int32], [Int32]) {
        precondition(counts.count == size && counts.reduce(0, +) == total, "counts must split the vector over the ranks")
        var offsets = [Int32]()
        var running = 0
        for count in counts {
            offsets.append(Int32(running))
            running += count
        }
        return (counts.map { Int32($0) }, offsets)
    }

    /// Ends every rank of the job now. For faults one rank cannot recover from
    /// alone: the others may be blocked in a collective and would wait forever.
    public func abort(exitCode: Int32) -> Never {
        MPI_Abort(handle, exitCode)
        fatalError("MPI_Abort returned")
    }
}

/// A collective started without waiting for it (`MPI_Iallreduce`). Its
/// buffer must not be touched until ``wait()`` returns. OpenMPI advances it
/// only inside MPI calls, so long computations in between should call
/// ``test()`` now and then.
public final class PendingCollective {
    private var request: MPI_Request?

    init(request: MPI_Request?) { self.request = request }

    /// Lets MPI advance the operation; true once it has completed.
    @discardableResult
    public func test() throws(MPIError) -> Bool {
        guard request != nil else { return true }
        var done: Int32 = 0
        try mpi("MPI_Test") { MPI_Test(&request, &done, nil) }
        return done != 0
    }

    public func wait() throws(MPIError) {
        guard request != nil else { return }
        try mpi("MPI_Wait") { MPI_Wait(&request, nil) }
        request = nil
    }
}

extension Communicator {
    /// Starts an in-place sum of `vector` over all ranks and returns at once.
    public func startAllreduce(_ vector: Vector) throws(MPIError) -> PendingCollective {
        var request: MPI_Request?
        try mpi("MPI_Iallreduce") {
            MPI_Iallreduce(vae_mpi_in_place(), vector.buffer.base + vector.offset, Int32(vector.count),
                           Float.datatype.handle, ReductionOperation.sum.handle, handle, &request)
        }
        return PendingCollective(request: request)
    }
}
