import CMPI

extension Communicator {
    /// The ranks of this communicator that share memory with this one (one
    /// node), ranked in this communicator's order: `MPI_Comm_split_type`
    /// with `MPI_COMM_TYPE_SHARED`. Which ranks count as one node is the
    /// launcher's mapping (mpirun's hosts, Slurm's nodes).
    ///
    /// The new communicator inherits `MPI_ERRORS_RETURN`; like the world,
    /// it lives until MPI is finalized.
    public func splitByNode() throws(MPIError) -> Communicator {
        var node: MPI_Comm?
        try mpi("MPI_Comm_split_type") {
            MPI_Comm_split_type(handle, vae_mpi_comm_type_shared(), Int32(rank), vae_mpi_info_null(), &node)
        }
        return try Communicator(created: node, by: "MPI_Comm_split_type")
    }

    /// The ranks that pass the same `color`, ranked by `key` (ties by their
    /// rank here): `MPI_Comm_split`. Every rank must call it.
    public func split(color: Int, key: Int) throws(MPIError) -> Communicator {
        precondition(color >= 0 && color <= Int(Int32.max), "split color must be a non-negative Int32")
        var part: MPI_Comm?
        try mpi("MPI_Comm_split") { MPI_Comm_split(handle, Int32(color), Int32(clamping: key), &part) }
        return try Communicator(created: part, by: "MPI_Comm_split")
    }

    /// Wraps a communicator MPI just created; a null handle (impossible for
    /// the non-negative colors used here) is reported as a failure of `call`.
    private init(created handle: MPI_Comm?, by call: String) throws(MPIError) {
        guard let handle else {
            throw MPIError(call: call, code: Int32(MPI_ERR_COMM), message: "no communicator was returned")
        }
        try self.init(handle: handle)
    }
}
