import Foundation
import SystemIO

/// The file a launcher script reads to learn that the job stopped cleanly.
///
/// `mpirun` does not pass the ranks' exit status 75 through when it was
/// itself signalled (it exits 1 after forwarding a SIGTERM or SIGINT), and
/// `srun` may not either, so `launch/local.sh` and `launch/slurm.sbatch`
/// name a fresh path in `VAE_DIST_STOP_MARKER` before each launch and return
/// 75 only when that file exists afterwards. Rank 0 writes it, atomically,
/// after the stop's checkpoint is on disk and every rank has passed the
/// barrier behind it; a crash never writes it, and the scripts remove any
/// old one first, so a stale marker cannot make a crash look like a stop.
enum StopMarker {
    static let variable = "VAE_DIST_STOP_MARKER"

    /// Records the stop at `step` (and its checkpoint) where the launcher
    /// asked; a failure to write is reported but does not change the exit.
    static func record(step: Int, checkpoint: String?) {
        guard let path = ProcessInfo.processInfo.environment[variable], !path.isEmpty else { return }
        let text = "step \(step)\n" + (checkpoint.map { "checkpoint \($0)\n" } ?? "")
        do {
            try Files.writeAtomically(Array(text.utf8), to: path)
        } catch {
            Failure.report("cannot write the stop marker \(variable)=\(path): \(error.reason); the launcher will not see a clean stop")
        }
    }
}
