import Testing
@testable import Tensors

/// The kernel decision for CPUs this machine is not: every case is names
/// and features, no BLAS call.
@Suite struct BLASKernelPolicyTests {
    static let avx512Intel = CPUFeatures(vendor: "GenuineIntel", vectorLevel: .avx512)
    static let avx2Intel = CPUFeatures(vendor: "GenuineIntel", vectorLevel: .avx2)
    static let avx2AMD = CPUFeatures(vendor: "AuthenticAMD", vectorLevel: .avx2)
    static let avxOnly = CPUFeatures(vendor: "GenuineIntel", vectorLevel: .avx)
    static let sseOnly = CPUFeatures(vendor: "GenuineIntel", vectorLevel: .sse)

    private func decide(_ picked: String, _ cpu: CPUFeatures, user: String? = nil, version: String = "0.3.21") -> BLASKernelPolicy.Decision {
        BLASKernelPolicy.decide(picked: picked, userCoreType: user, cpu: cpu, version: version)
    }

    /// Emerald Rapids under OpenBLAS 0.3.21: Prescott, corrected to SkylakeX.
    @Test func anAVX512CPUGivenPrescottGetsSkylakeX() {
        #expect(decide("Prescott", Self.avx512Intel)
                == .switchTo(coreType: "SKYLAKEX", reason: "OpenBLAS picked Prescott, which this AVX-512 CPU outruns"))
        #expect(decide("Haswell", Self.avx512Intel) == .switchTo(coreType: "SKYLAKEX", reason: "OpenBLAS picked Haswell, which this AVX-512 CPU outruns"))
    }

    @Test func anAVX2CPUGetsHaswellOnIntelAndZenOnAMD() {
        #expect(decide("Prescott", Self.avx2Intel) == .switchTo(coreType: "HASWELL", reason: "OpenBLAS picked Prescott, which this AVX2 CPU outruns"))
        #expect(decide("Sandybridge", Self.avx2AMD) == .switchTo(coreType: "ZEN", reason: "OpenBLAS picked Sandybridge, which this AVX2 CPU outruns"))
    }

    /// Never more than the CPU (and its OS) runs: no AVX-512 kernel on AVX2,
    /// and below AVX2 OpenBLAS's own choice stands.
    @Test func neverAKernelAboveTheCPU() {
        #expect(BLASKernelPolicy.bestCoreType(for: Self.avx2Intel) == "HASWELL")
        #expect(BLASKernelPolicy.bestCoreType(for: Self.avxOnly) == nil)
        #expect(BLASKernelPolicy.bestCoreType(for: Self.sseOnly) == nil)
        #expect(decide("Prescott", Self.sseOnly) == .keep(reason: "OpenBLAS's choice for this SSE CPU", warning: nil))
        #expect(decide("Prescott", Self.avxOnly) == .keep(reason: "OpenBLAS's choice for this AVX CPU", warning: nil))
    }

    @Test func aGoodOrUnknownChoiceStands() {
        for picked in ["SkylakeX", "Cooperlake", "Sapphirerapids"] {
            #expect(decide(picked, Self.avx512Intel) == .keep(reason: "OpenBLAS's choice for this AVX-512 CPU", warning: nil))
        }
        #expect(decide("Zen", Self.avx2AMD) == .keep(reason: "OpenBLAS's choice for this AVX2 CPU", warning: nil))
        // A newer OpenBLAS's name, or another architecture's, is not judged.
        #expect(decide("Graniterapids", Self.avx512Intel) == .keep(reason: "OpenBLAS's choice for this AVX-512 CPU", warning: nil))
        #expect(decide("NeoverseN1", Self.sseOnly) == .keep(reason: "OpenBLAS's choice for this SSE CPU", warning: nil))
    }

    /// The user's OPENBLAS_CORETYPE is the opt-out: obeyed, even below the
    /// CPU, and named; whether OpenBLAS 0.3.21 accepted it is judged by the
    /// names it accepts, not by the kernel it ran (it runs Cooper Lake for
    /// COOPERLAKE only because that is its fallback for any unknown name).
    @Test func theUsersCoreTypeIsObeyedOrNamedAsUnknown() {
        #expect(decide("Prescott", Self.avx512Intel, user: "PRESCOTT") == .keep(reason: "OPENBLAS_CORETYPE=PRESCOTT, as set", warning: nil))
        #expect(decide("Haswell", Self.avx512Intel, user: "haswell") == .keep(reason: "OPENBLAS_CORETYPE=haswell, as set", warning: nil))
        #expect(decide("Prescott", Self.avx512Intel, user: "KATMAI")
                == .keep(reason: "OPENBLAS_CORETYPE=KATMAI, which OpenBLAS runs as its Prescott kernels", warning: nil))
        for unknown in ["COOPERLAKE", "SAPPHIRERAPIDS", "SKYLAKE-X", "HASWELLX"] {
            #expect(decide("Cooperlake", Self.avx512Intel, user: unknown)
                    == .keep(reason: "OPENBLAS_CORETYPE=\(unknown) is unknown to OpenBLAS; its own choice",
                             warning: "OPENBLAS_CORETYPE=\(unknown) is not a kernel name OpenBLAS 0.3.21 accepts, so it chose its Cooperlake kernels by the CPU's features"))
        }
        #expect(decide("Cooperlake", Self.avx512Intel, user: "")
                == .keep(reason: "OPENBLAS_CORETYPE is empty; OpenBLAS's own choice",
                         warning: "OPENBLAS_CORETYPE is set but empty, so OpenBLAS chose its Cooperlake kernels by itself"))
        // Another OpenBLAS version: its names are not known here, so only what ran is said.
        #expect(decide("Sapphirerapids", Self.avx512Intel, user: "SAPPHIRERAPIDS", version: "0.3.28")
                == .keep(reason: "OPENBLAS_CORETYPE=SAPPHIRERAPIDS, as set", warning: nil))
        #expect(decide("Haswell", Self.avx512Intel, user: "FOO", version: "0.3.28")
                == .keep(reason: "OPENBLAS_CORETYPE=FOO; OpenBLAS 0.3.28 runs Haswell",
                         warning: "OPENBLAS_CORETYPE=FOO: OpenBLAS 0.3.28 runs its Haswell kernels (it may not know that name)"))
    }

    /// A hostile value cannot fake a line of output or flood it.
    @Test func hostileValuesAreQuotedEscapedAndCut() {
        #expect(BLASKernelPolicy.shown("HASWELL") == "HASWELL")
        #expect(BLASKernelPolicy.shown("HASWELL\nBLAS: fake line") == "\"HASWELL\\nBLAS: fake line\"")
        #expect(BLASKernelPolicy.shown("HASWELL ") == "\"HASWELL \"")
        #expect(BLASKernelPolicy.shown("\u{1B}[31mRED") == "\"\\u{1B}[31mRED\"")
        let long = BLASKernelPolicy.shown(String(repeating: "A", count: 100_000))
        #expect(long.count < 50 && long.hasSuffix("...\""), "\(long)")
    }

    /// The kernels running in this test process pass the start-up check (a
    /// check that failed a correct BLAS would push every user to the fallback).
    @Test func theRunningKernelsPassTheStartUpCheck() {
        #expect(BLASKernelCheck.run() == nil, "kernels \(BLASKernel.runningKernel)")
    }
}
