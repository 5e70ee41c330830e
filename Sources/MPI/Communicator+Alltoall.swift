import CMPI
import Tensors

extension Communicator {
    /// Sends part j of `send` (the `counts[j]` elements at Σ counts[..<j]) to
    /// rank j, and receives every rank's part r (this rank's) into `receive`,
    /// rank i's at offset i · counts[r]: a reduce-scatter without the
    /// reduction, which is left to the caller, so the caller picks its order.
    public func alltoall(_ send: Vector, into receive: Vector, counts: [Int]) throws(MPIError) {
        precondition(counts.count == size && counts.reduce(0, +) == send.count, "counts must split the vector over the ranks")
        precondition(receive.count == counts[rank] * size, "receive holds every rank's copy of this rank's part")
        precondition(!receive.overlaps(send), "alltoall buffers overlap")
        let sendCounts = counts.map { Int32($0) }
        var running = 0
        let sendOffsets = counts.map { count in
            defer { running += count }
            return Int32(running)
        }
        let receiveCounts = [Int32](repeating: Int32(counts[rank]), count: size)
        let receiveOffsets = (0..<size).map { Int32($0 * counts[rank]) }
        try mpi("MPI_Alltoallv") {
            sendCounts.withUnsafeBufferPointer { sendCounts in
                sendOffsets.withUnsafeBufferPointer { sendOffsets in
                    receiveCounts.withUnsafeBufferPointer { receiveCounts in
                        receiveOffsets.withUnsafeBufferPointer { receiveOffsets in
                            MPI_Alltoallv(send.buffer.base + send.offset, sendCounts.baseAddress, sendOffsets.baseAddress,
                                          Float.datatype.handle, receive.buffer.base + receive.offset,
                                          receiveCounts.baseAddress, receiveOffsets.baseAddress, Float.datatype.handle,
                                          handle)
                        }
                    }
                }
            }
        }
    }
}
