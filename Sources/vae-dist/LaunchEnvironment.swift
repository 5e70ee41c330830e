import Foundation

/// What the launcher (mpirun, srun) tells a process before MPI starts.
enum LaunchEnvironment {
    /// The rank the launcher assigned, from the variables OpenMPI, PMIx and
    /// Slurm set; 0 for a process started by hand.
    static var rank: Int {
        let environment = ProcessInfo.processInfo.environment
        for name in ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"] {
            if let value = environment[name], let rank = Int(value) { return rank }
        }
        return 0
    }

    static var isFirstRank: Bool { rank == 0 }
}
