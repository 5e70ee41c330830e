#if canImport(Glibc)
import Glibc
#endif

/// This process's memory use, as the kernel counts it.
public enum ProcessMemory {
    /// Peak resident set size (VmHWM) in bytes.
    public static var peakResidentBytes: Int {
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss) * 1024  // Linux reports kilobytes
    }
}
