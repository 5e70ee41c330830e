import Foundation

/// What the launcher (mpirun, srun) tells a process before MPI starts.
enum LaunchEnvironment {
    /// The rank the launcher assigned, from the variables OpenMPI, PMIx and
    /// Slurm set; 0 for a process started by hand.
    static var rank: Int { firstInteger(of: ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"]) ?? 0 }

    /// The number of processes the launcher started; 1 for a process started
    /// by hand.
    static var size: Int { firstInteger(of: ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"]) ?? 1 }

    static var isFirstRank: Bool { rank == 0 }

    private static func firstInteger(of names: [String]) -> Int? {
        let environment = ProcessInfo.processInfo.environment
        return names.lazy.compactMap { environment[$0].flatMap { Int($0) } }.first
    }
}
