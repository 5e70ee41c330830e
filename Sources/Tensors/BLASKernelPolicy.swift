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
        "athlon": .sse, "opteron": .sse, "opteron_sse3": .sse, "barcelona": .sse, "bobcat": .sse,
        "sandybridge": .avx, "bulldozer": .avx, "piledriver": .avx, "steamroller": .avx, "excavator": .avx,
        "haswell": .avx2, "zen": .avx2,
        "skylakex": .avx512, "cooperlake": .avx512, "sapphirerapids": .avx512,
    ]

    /// The names OpenBLAS 0.3.21's `force_coretype()` accepts (lower case;
    /// it compares without case). Read off that build: the old names
    /// (katmai, athlon, ...) run as Prescott, and "cooperlake" and
    /// "sapphirerapids" are not accepted although it runs Cooper Lake
    /// kernels by itself, so a user who names them gets its fallback.
    static let acceptedNames0321: Set<String> = [
        "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn", "dunnington",
        "nehalem", "athlon", "opteron", "opteron_sse3", "barcelona", "nano", "sandybridge", "bobcat", "bulldozer",
        "piledriver", "haswell", "steamroller", "excavator", "zen", "skylakex",
    ]

    /// A user's value as it is safe to print on one line: a plain name as
    /// it is; anything else quoted with its control characters escaped and
    /// cut to 40 characters, so a hostile value can neither fake a line of
    /// output nor flood it.
    public static func shown(_ value: String) -> String {
        let plain = !value.isEmpty && value.count <= 40
            && value.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
        if plain { return value }
        let cut = value.count > 40 ? String(value.prefix(40)) + "..." : value
        return "\"" + cut.unicodeScalars.map { $0.escaped(asASCII: true) }.joined() + "\""
    }

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
            let name = "OPENBLAS_CORETYPE=\(shown(userCoreType))"
            if userCoreType.isEmpty {
                return .keep(reason: "OPENBLAS_CORETYPE is empty; OpenBLAS's own choice",
                             warning: "OPENBLAS_CORETYPE is set but empty, so OpenBLAS chose its \(picked) kernels by itself")
            }
            let accepted: Bool? = version == "0.3.21" ? acceptedNames0321.contains(userCoreType.lowercased()) : nil
            switch accepted {
            case false?:
                return .keep(reason: "\(name) is unknown to OpenBLAS; its own choice",
                             warning: "\(name) is not a kernel name OpenBLAS \(version) accepts, so it chose its \(picked) kernels by the CPU's features")
            case true? where userCoreType.lowercased() != picked.lowercased():
                return .keep(reason: "\(name), which OpenBLAS runs as its \(picked) kernels", warning: nil)
            case nil where userCoreType.lowercased() != picked.lowercased():
                return .keep(reason: "\(name); OpenBLAS \(version) runs \(picked)",
                             warning: "\(name): OpenBLAS \(version) runs its \(picked) kernels (it may not know that name)")
            default:
                return .keep(reason: "\(name), as set", warning: nil)
            }
        }
        guard let pickedLevel = level(ofKernel: picked), let best = bestCoreType(for: cpu),
              pickedLevel < cpu.vectorLevel else {
            return .keep(reason: "OpenBLAS's choice for this \(cpu.vectorLevel) CPU", warning: nil)
        }
        return .switchTo(coreType: best, reason: "OpenBLAS picked \(picked), which this \(cpu.vectorLevel) CPU outruns")
    }
}
