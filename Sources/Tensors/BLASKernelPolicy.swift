/// Which OpenBLAS kernels to run on a CPU, decided from names and CPU
/// features alone (no BLAS call), so every case can be tested on any machine.
///
/// Why this exists: a DYNAMIC_ARCH OpenBLAS picks its kernels by CPU model
/// number, and a CPU newer than the OpenBLAS build gets its generic SSE3
/// kernels ("Prescott"). Debian 12's OpenBLAS 0.3.21 does this on Intel's
/// Sapphire and Emerald Rapids (family 6, models 143 and 207): 5.7x slower
/// GEMMs, silently. It does accept a kernel by name (`OPENBLAS_CORETYPE`),
/// so vae-dist names the best one the CPU's features allow.
///
/// Modelled on OpenBLAS's own `driver/others/dynamic.c`: the names below
/// are what its `gotoblas_corename()` reports and `force_coretype()` accepts.
public enum BLASKernelPolicy {
    public enum Decision: Equatable, Sendable {
        /// Run what OpenBLAS chose (or the user's `OPENBLAS_CORETYPE`).
        case keep(reason: String, warning: String?)
        /// Switch to this `OPENBLAS_CORETYPE` name.
        case switchTo(coreType: String, reason: String)
    }

    /// The vector level each x86-64 kernel of OpenBLAS 0.3.21 is written
    /// for (lower case), so a kernel below the CPU's level is recognised.
    /// A name not listed (a newer OpenBLAS's, another architecture's) is
    /// never judged: its choice stands.
    static let kernelLevels: [String: CPUFeatures.VectorLevel] = [
        "katmai": .sse, "coppermine": .sse, "northwood": .sse, "prescott": .sse, "banias": .sse,
        "core2": .sse, "penryn": .sse, "dunnington": .sse, "nehalem": .sse, "atom": .sse, "nano": .sse,
        "athlon": .sse, "opteron": .sse, "opteron(sse3)": .sse, "barcelona": .sse, "bobcat": .sse,
        "sandybridge": .avx, "bulldozer": .avx, "piledriver": .avx, "steamroller": .avx, "excavator": .avx,
        "haswell": .avx2, "zen": .avx2,
        "skylakex": .avx512, "cooperlake": .avx512, "sapphirerapids": .avx512,
    ]

    /// The vector level a kernel needs, or nil for a name this table does not know.
    public static func level(ofKernel name: String) -> CPUFeatures.VectorLevel? {
        kernelLevels[name.lowercased()]
    }

    /// The best kernel OpenBLAS 0.3.21 accepts by name for a CPU of these
    /// features: never more than the CPU (and its OS) can run.
    public static func bestCoreType(for cpu: CPUFeatures) -> String? {
        switch cpu.vectorLevel {
        case .avx512: "SKYLAKEX"
        case .avx2: cpu.vendor == "AuthenticAMD" || cpu.vendor == "HygonGenuine" ? "ZEN" : "HASWELL"
        case .avx, .sse: nil
        }
    }

    /// What to run, given the kernel OpenBLAS loaded with (`picked`), the
    /// user's `OPENBLAS_CORETYPE` (nil when unset; it is always obeyed) and
    /// the CPU.
    public static func decide(picked: String, userCoreType: String?, cpu: CPUFeatures, version: String) -> Decision {
        if let userCoreType {
            if userCoreType.lowercased() == picked.lowercased() {
                return .keep(reason: "OPENBLAS_CORETYPE=\(userCoreType), as set", warning: nil)
            }
            let shown = userCoreType.isEmpty ? "OPENBLAS_CORETYPE is set but empty" : "OPENBLAS_CORETYPE=\(userCoreType) is not a kernel name OpenBLAS \(version) knows"
            return .keep(reason: "OPENBLAS_CORETYPE=\(userCoreType) unknown to OpenBLAS; its own choice",
                         warning: "\(shown), so it chose its \(picked) kernels by itself")
        }
        guard let pickedLevel = level(ofKernel: picked), let best = bestCoreType(for: cpu),
              pickedLevel < cpu.vectorLevel else {
            return .keep(reason: "OpenBLAS's choice for this \(cpu.vectorLevel) CPU", warning: nil)
        }
        return .switchTo(coreType: best, reason: "OpenBLAS picked \(picked), which this \(cpu.vectorLevel) CPU outruns")
    }
}
