#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The machine's memory, as the kernel reports it.
public enum PhysicalMemory {
    /// Installed physical memory in bytes (`_SC_PHYS_PAGES` × page size), or
    /// nil when the system does not say.
    ///
    /// Sizes are checked against this before anything is allocated: a run
    /// whose buffers cannot fit would otherwise end in an allocation failure
    /// or, worse, in the kernel's OOM killer taking down the whole node.
    public static var bytes: Int? {
        let pages = sysconf(Int32(_SC_PHYS_PAGES))
        let pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return nil }
        let (total, overflow) = pages.multipliedReportingOverflow(by: pageSize)
        return overflow ? Int.max : total
    }

    /// `bytes` in GiB with one decimal, for messages.
    public static func gibibytes(_ bytes: Int) -> String {
        let value = Double(bytes) / Double(1 << 30)
        let tenths = (value * 10).rounded()
        return "\(Int(tenths) / 10).\(Int(tenths) % 10) GiB"
    }
}
