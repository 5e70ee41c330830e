import ArgumentParser

/// The `vae-dist` command: data-parallel VAE training on MPI ranks.
struct VAEDist: ParsableCommand {
    /// This build's version: `vae-dist --version`, and part of what ranks
    /// compare before a job starts (two builds must not train together).
    static let version = "0.9.0"

    static let configuration = CommandConfiguration(
        commandName: "vae-dist",
        abstract: "Train a variational autoencoder data-parallel across MPI ranks.",
        discussion: """
            Run under mpirun (or srun) for several ranks, or directly for a one-rank job:
              mpirun -np 2 vae-dist train --epochs 10 --out run1
              vae-dist train --epochs 1            # single process, same code path
            Exit status: 0 done; 1 a run-time error (one line on standard error); 64 bad usage; \
            75 (train) stopped by a signal after writing a checkpoint: rerun with --resume auto.
            """,
        version: version,
        subcommands: [Train.self, Eval.self, Encode.self, Decode.self, Sample.self, Reconstruct.self, Manifold.self, Inspect.self, Export.self,
                      CheckMPI.self, Benchmark.self])
}
