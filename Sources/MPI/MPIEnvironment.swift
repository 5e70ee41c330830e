import CMPI
import Synchronization

/// The process's MPI session: initialized once, finalized once.
///
/// Started without `mpirun`, OpenMPI runs as a singleton, so the same binary
/// is a one-rank job on a laptop: no flag, no separate code path.
public final class MPIEnvironment: Sendable {
    public let world: Communicator

    private static let shared = Mutex<MPIEnvironment?>(nil)

    private init(world: Communicator) { self.world = world }

    /// Initializes MPI on first use and returns the process's environment.
    public static func start() throws(MPIError) -> MPIEnvironment {
        try shared.withLock { (instance: inout MPIEnvironment?) throws(MPIError) -> MPIEnvironment in
            if let instance { return instance }
            var alreadyInitialized: Int32 = 0
            try mpi("MPI_Initialized") { MPI_Initialized(&alreadyInitialized) }
            if alreadyInitialized == 0 {
                try mpi("MPI_Init") { MPI_Init(nil, nil) }
            }
            let world = vae_mpi_comm_world()
            try mpi("MPI_Comm_set_errhandler") { MPI_Comm_set_errhandler(world, vae_mpi_errors_return()) }
            let environment = MPIEnvironment(world: try Communicator(handle: world))
            instance = environment
            return environment
        }
    }

    /// Finalizes MPI. Every rank must call it before a clean exit, or mpirun
    /// reports the job as failed.
    public func finalize() throws(MPIError) {
        var finalized: Int32 = 0
        try mpi("MPI_Finalized") { MPI_Finalized(&finalized) }
        guard finalized == 0 else { return }
        try mpi("MPI_Finalize") { MPI_Finalize() }
    }

    /// Seconds on MPI's wall clock.
    public static var wallTime: Double { MPI_Wtime() }
}
