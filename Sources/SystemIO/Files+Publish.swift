#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Files {
    /// Renames a finished `temporary` file over `destination` in one step
    /// and flushes the directory entry: a reader opening `destination` finds
    /// the old file or the new one, whole, never a mix; a process that
    /// mapped the old file keeps it until it unmaps. For caches rebuilt from
    /// their source (unlike ``move(_:to:)``, which never replaces).
    public static func publish(_ temporary: String, as destination: String) throws(FileError) {
        guard rename(temporary, destination) == 0 else { throw FileError(path: destination, reason: lastError()) }
        try syncDirectory(parentDirectory(of: destination))
    }
}
