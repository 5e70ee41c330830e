import CBLAS

/// The vector instructions this CPU runs and its OS saves, read with CPUID
/// and XGETBV: what decides which OpenBLAS kernels may run here.
///
/// An instruction set counts only when the OS also saves its registers on a
/// context switch (XCR0), as NumPy's dispatch checks: a CPU with AVX-512
/// under an OS (or hypervisor) that does not save the ZMM state must not run
/// AVX-512 code.
public struct CPUFeatures: Equatable, Sendable {
    /// The widest vector level usable here, in the order OpenBLAS's x86-64
    /// kernels need them.
    public enum VectorLevel: Int, Comparable, Sendable, CustomStringConvertible {
        /// SSE3 or below (or not x86-64).
        case sse
        case avx
        /// AVX2 with FMA3.
        case avx2
        /// AVX-512 F, BW, VL and DQ: what OpenBLAS's SkylakeX kernels use.
        case avx512

        public static func < (lhs: VectorLevel, rhs: VectorLevel) -> Bool { lhs.rawValue < rhs.rawValue }

        public var description: String {
            switch self {
            case .sse: "SSE"
            case .avx: "AVX"
            case .avx2: "AVX2"
            case .avx512: "AVX-512"
            }
        }
    }

    /// CPUID's vendor string: "GenuineIntel", "AuthenticAMD", ...; empty off x86-64.
    public let vendor: String
    public let vectorLevel: VectorLevel

    public init(vendor: String, vectorLevel: VectorLevel) {
        self.vendor = vendor
        self.vectorLevel = vectorLevel
    }

    /// This CPU's, read once.
    public static let current = CPUFeatures.read()

    private static func cpuid(_ leaf: UInt32, _ subleaf: UInt32 = 0) -> (eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32) {
        var registers: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &registers) { raw in
            vae_dist_cpuid(leaf, subleaf, raw.baseAddress?.assumingMemoryBound(to: UInt32.self))
        }
        return registers
    }

    private static func read() -> CPUFeatures {
        let zero = cpuid(0)
        let maximumLeaf = zero.eax
        var vendorBytes = [UInt8]()
        for register in [zero.ebx, zero.edx, zero.ecx] {
            for shift in stride(from: 0, to: 32, by: 8) { vendorBytes.append(UInt8(truncatingIfNeeded: register >> UInt32(shift))) }
        }
        let vendor = String(decoding: vendorBytes.filter { $0 != 0 }, as: UTF8.self)
        guard maximumLeaf >= 1 else { return CPUFeatures(vendor: vendor, vectorLevel: .sse) }
        let one = cpuid(1)
        let bit = { (register: UInt32, index: UInt32) in register & (1 << index) != 0 }
        let osSavesExtendedState = bit(one.ecx, 27)  // OSXSAVE: XGETBV may be called
        guard osSavesExtendedState, bit(one.ecx, 28) else { return CPUFeatures(vendor: vendor, vectorLevel: .sse) }  // AVX
        let xcr0 = vae_dist_xgetbv0()
        // XMM (bit 1) and YMM (bit 2) state saved.
        guard xcr0 & 0b110 == 0b110 else { return CPUFeatures(vendor: vendor, vectorLevel: .sse) }
        guard maximumLeaf >= 7 else { return CPUFeatures(vendor: vendor, vectorLevel: .avx) }
        let seven = cpuid(7)
        let hasAVX2 = bit(seven.ebx, 5) && bit(one.ecx, 12)  // AVX2 and FMA3
        guard hasAVX2 else { return CPUFeatures(vendor: vendor, vectorLevel: .avx) }
        // F (16), DQ (17), BW (30), VL (31); opmask, ZMM0-15 upper halves and ZMM16-31 (XCR0 bits 5-7) saved.
        let hasAVX512 = bit(seven.ebx, 16) && bit(seven.ebx, 17) && bit(seven.ebx, 30) && bit(seven.ebx, 31)
            && xcr0 & 0b1110_0000 == 0b1110_0000
        return CPUFeatures(vendor: vendor, vectorLevel: hasAVX512 ? .avx512 : .avx2)
    }
}
