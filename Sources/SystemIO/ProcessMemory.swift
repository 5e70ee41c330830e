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

    /// Resident anonymous memory (`RssAnon` of /proc/self/status) in bytes:
    /// what this process allocated itself, without the page cache of files it
    /// maps (a memory-mapped dataset's pages are shared and reclaimable).
    /// Nil where the kernel does not report it.
    public static var residentAnonymousBytes: Int? {
        guard let status = try? Files.read("/proc/self/status") else { return nil }
        for line in String(decoding: status, as: UTF8.self).split(separator: "\n") where line.hasPrefix("RssAnon:") {
            let digits = line.dropFirst("RssAnon:".count).filter(\.isNumber)
            return Int(digits).map { $0 * 1024 }
        }
        return nil
    }
}
