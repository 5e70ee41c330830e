import CBLAS
#if canImport(Glibc)
import Glibc
#endif

/// The OpenBLAS kernels this process runs, and why: chosen once, before the
/// first BLAS call (main.swift reads ``BLASKernel/choice`` first thing).
public struct BLASKernelChoice: Equatable, Sendable, CustomStringConvertible {
    /// OpenBLAS's name of the kernels that run: "SkylakeX", "Haswell", ...
    public let kernel: String
    /// OpenBLAS's version, as `openblas_get_config()` reports it.
    public let version: String
    /// Why these kernels, for the start-up line.
    public let reason: String
    /// What every command should say once (an `OPENBLAS_CORETYPE` OpenBLAS
    /// did not know, or a kernel that failed the check), or nil.
    public let warning: String?

    /// "OpenBLAS 0.3.21, SkylakeX kernels (OpenBLAS picked Prescott, which this AVX-512 CPU outruns)".
    public var description: String { "OpenBLAS \(version), \(kernel) kernels (\(reason))" }
}

/// Chooses OpenBLAS's kernels for this CPU (``BLASKernelPolicy``), switching
/// in-process, and checks a kernel it switched to (``BLASKernelCheck``).
///
/// Why in-process and not by re-executing with `OPENBLAS_CORETYPE` set:
/// OpenBLAS exports `gotoblas_dynamic_quit`/`gotoblas_dynamic_init`, which
/// choose the kernel table again from the variable, and before the first
/// BLAS call nothing depends on the old table (OpenBLAS's thread pool only
/// runs what later calls hand it). A re-exec would have to survive every
/// launcher (mpirun, srun, a wrapper that forbids exec), keep arguments that
/// cannot be passed twice, and guard against looping; switching has none of
/// that. The variable is restored right after, so nothing the process starts
/// mistakes vae-dist's choice for the user's.
public enum BLASKernel {
    /// Set to 1 by tests only: treat `OPENBLAS_CORETYPE` as OpenBLAS's own
    /// choice instead of the user's, so a machine whose OpenBLAS chooses well
    /// can still be given a poor choice (PRESCOTT) to correct.
    public static let coreTypeIsOpenBLASChoiceVariable = "VAE_DIST_TEST_CORETYPE_IS_OPENBLAS_CHOICE"

    /// The kernels of this process, chosen on first use.
    public static let choice: BLASKernelChoice = choose()

    /// The kernels OpenBLAS is running now.
    public static var runningKernel: String { String(cString: openblas_get_corename()) }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    private static var version: String {
        // "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Prescott MAX_THREADS=64"
        let words = String(cString: openblas_get_config()).split(separator: " ")
        return words.count > 1 ? String(words[1]) : "(unknown version)"
    }

    private static func choose() -> BLASKernelChoice {
        let picked = runningKernel
        let version = version
        let coreType = environment("OPENBLAS_CORETYPE")
        let userCoreType = environment(coreTypeIsOpenBLASChoiceVariable) == "1" ? nil : coreType
        guard vae_dist_openblas_switches_kernels() != 0 else {
            return BLASKernelChoice(kernel: picked, version: version,
                                    reason: "an OpenBLAS built without DYNAMIC_ARCH runs the kernels it was built for", warning: nil)
        }
        switch BLASKernelPolicy.decide(picked: picked, userCoreType: userCoreType, cpu: .current, version: version) {
        case let .keep(reason, warning):
            return BLASKernelChoice(kernel: picked, version: version, reason: reason, warning: warning)
        case let .switchTo(name, reason):
            reload(coreType: name, restoring: coreType)
            let running = runningKernel
            guard running.lowercased() == name.lowercased() else {
                reload(coreType: coreType, restoring: coreType)
                return BLASKernelChoice(kernel: runningKernel, version: version, reason: "OpenBLAS's own choice",
                                        warning: "OpenBLAS \(version) ran \(running) when asked for \(name), so its own choice, \(runningKernel), runs")
            }
            if let problem = BLASKernelCheck.run() {
                reload(coreType: coreType, restoring: coreType)
                return BLASKernelChoice(kernel: runningKernel, version: version,
                                        reason: "\(running) failed the start-up check; OpenBLAS's own choice",
                                        warning: "OpenBLAS's \(running) kernels gave a wrong GEMM result at start-up (\(problem)), so its own choice, \(runningKernel), runs")
            }
            return BLASKernelChoice(kernel: running, version: version, reason: reason, warning: nil)
        }
    }

    /// Has OpenBLAS choose its kernel table again with `OPENBLAS_CORETYPE`
    /// at `coreType` (unset for nil), then puts the variable back as `original`.
    private static func reload(coreType: String?, restoring original: String?) {
        if let coreType { setenv("OPENBLAS_CORETYPE", coreType, 1) } else { unsetenv("OPENBLAS_CORETYPE") }
        vae_dist_openblas_reload_kernels()
        if let original { setenv("OPENBLAS_CORETYPE", original, 1) } else { unsetenv("OPENBLAS_CORETYPE") }
    }
}
