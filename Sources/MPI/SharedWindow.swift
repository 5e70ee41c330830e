import CMPI
import Tensors

/// Memory that every rank of a node communicator (``Communicator/splitByNode()``)
/// reads and writes directly: an `MPI_Win_allocate_shared` window in which
/// each rank allocates one segment, and through `MPI_Win_shared_query` sees
/// every other rank's segment in place, as a ``Vector``.
///
/// Memory model. OpenMPI's shared windows use MPI's unified model, and the
/// window stays in one passive-target epoch (`MPI_Win_lock_all` with
/// `MPI_MODE_NOCHECK`) from creation to ``close()``, so plain loads and
/// stores are the accesses. MPI orders them across processes only through
/// `MPI_Win_sync` (a memory barrier for the window) plus a process
/// synchronization; ``synchronize(_:)`` is the pattern MPI's standard gives
/// for this: every rank calls `MPI_Win_sync`, then a barrier, then
/// `MPI_Win_sync` again. Hence the rule every user of a window follows: a
/// rank reads another rank's data only after a ``synchronize(_:)`` that
/// the writer entered after writing it, and a rank overwrites data another
/// rank reads only after a ``synchronize(_:)`` that the reader entered
/// after reading it.
public final class SharedWindow {
    /// The node communicator the window spans.
    public let communicator: Communicator
    /// Every rank's segment, by rank in ``communicator``.
    public let segments: [Vector]
    private let window: WindowHandle

    /// Allocates `count` floats for this rank (ranks may ask for different
    /// counts, 0 included) and maps every rank's segment. Collective over
    /// `communicator`, which must be a node communicator. Each segment is
    /// zeroed by its rank and the ranks are synchronized before this returns.
    ///
    /// Segments are allocated non-contiguously (`alloc_shared_noncontig`),
    /// so OpenMPI places each on its own pages: no false sharing between
    /// ranks, and each rank's pages are first touched (placed) by that rank.
    public init(count: Int, communicator: Communicator) throws(MPIError) {
        precondition(count >= 0, "a window segment cannot have a negative size")
        self.communicator = communicator
        var info: MPI_Info?
        try mpi("MPI_Info_create") { MPI_Info_create(&info) }
        defer { MPI_Info_free(&info) }
        try mpi("MPI_Info_set") { MPI_Info_set(info, "alloc_shared_noncontig", "true") }

        var base: UnsafeMutableRawPointer?
        var created: MPI_Win?
        let byteCount = MPI_Aint(count * MemoryLayout<Float>.stride)
        try mpi("MPI_Win_allocate_shared") {
            MPI_Win_allocate_shared(byteCount, Int32(MemoryLayout<Float>.stride), info, communicator.handle, &base, &created)
        }
        let window = WindowHandle(created)
        self.window = window
        try mpi("MPI_Win_set_errhandler") { MPI_Win_set_errhandler(created, vae_mpi_errors_return()) }
        try mpi("MPI_Win_lock_all") { MPI_Win_lock_all(Int32(vae_mpi_mode_nocheck()), created) }

        // MPI reports each segment's size rounded up to whole pages: the ranks tell each other what they asked for.
        let counts = try communicator.allgather([Int64(count)])
        var mapped = [Vector]()
        for rank in 0..<communicator.size {
            var bytes: MPI_Aint = 0
            var unit: Int32 = 0
            var segment: UnsafeMutableRawPointer?
            try mpi("MPI_Win_shared_query") { MPI_Win_shared_query(created, Int32(rank), &bytes, &unit, &segment) }
            let floats = Int(counts[rank])
            precondition(Int(bytes) >= floats * MemoryLayout<Float>.stride, "MPI mapped a smaller segment than rank \(rank) allocated")
            if let segment, floats > 0 {
                let storage = FloatBuffer(borrowing: segment.bindMemory(to: Float.self, capacity: floats),
                                          count: floats, owner: window)
                mapped.append(storage.all)
            } else {
                mapped.append(FloatBuffer(count: 0).all)
            }
        }
        segments = mapped
        segments[communicator.rank].fill(0)
        try synchronize()
    }

    /// This rank's own segment: the only one it writes unless an algorithm
    /// assigns it a part of another.
    public var ownSegment: Vector { segments[communicator.rank] }

    /// Makes every rank's writes to this window before the call visible to
    /// every rank after it, and keeps every rank's reads before it from
    /// seeing writes made after it: `MPI_Win_sync`, barrier, `MPI_Win_sync`.
    /// Collective over ``communicator``.
    public func synchronize() throws(MPIError) {
        try Self.synchronize([self])
    }

    /// ``synchronize()`` for several windows of one node communicator with a
    /// single barrier.
    public static func synchronize(_ windows: [SharedWindow]) throws(MPIError) {
        guard let first = windows.first else { return }
        for window in windows { try window.memoryBarrier() }
        try first.communicator.barrier()
        for window in windows { try window.memoryBarrier() }
    }

    private func memoryBarrier() throws(MPIError) {
        guard let handle = window.handle else { preconditionFailure("SharedWindow used after close()") }
        try mpi("MPI_Win_sync") { MPI_Win_sync(handle) }
    }

    /// Ends the access epoch and frees the window (`MPI_Win_unlock_all`,
    /// `MPI_Win_free`). Collective; call it where every rank agrees the
    /// work is done. The segments' memory is gone afterwards, so no view of
    /// it may be used again.
    ///
    /// It is not done in `deinit`: a rank that fails alone may release the
    /// window on its way to `MPI_Abort`, and a collective free there would
    /// wait for peers that are blocked elsewhere instead of ending the job.
    /// A window never closed is released with the process.
    public func close() throws(MPIError) {
        guard window.handle != nil else { return }
        try mpi("MPI_Win_unlock_all") { MPI_Win_unlock_all(window.handle) }
        try mpi("MPI_Win_free") { MPI_Win_free(&window.handle) }
        window.handle = nil
    }
}

/// The window's MPI handle, shared by the window and the buffers that view
/// its segments (their owner), so the views keep it reachable.
private final class WindowHandle {
    var handle: MPI_Win?

    init(_ handle: MPI_Win?) { self.handle = handle }
}
