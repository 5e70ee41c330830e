#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `stat` says about a file, following symbolic links.
public struct FileStatus: Equatable, Sendable {
    public enum Kind: Sendable { case regular, directory, other }

    public let kind: Kind
    public let byteCount: Int
    /// Last modification, nanoseconds since the epoch: caches compare it to
    /// notice a file rewritten with the same size.
    public let modificationNanoseconds: Int64
    /// Device and inode, which identify a directory however it is reached
    /// (the walk uses them to find symbolic-link loops).
    public let device: UInt64
    public let inode: UInt64

    init(_ info: stat) {
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        default: kind = .other
        }
        byteCount = Int(info.st_size)
        modificationNanoseconds = Int64(info.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(info.st_mtim.tv_nsec)
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

extension Files {
    public static func status(_ path: String) throws(FileError) -> FileStatus {
        var info = stat()
        guard stat(path, &info) == 0 else { throw FileError(path: path, reason: lastError()) }
        return FileStatus(info)
    }
}

extension Files {
    /// Bytes an unprivileged process may still write on the file system
    /// holding `path` (`statvfs`: f_bavail × f_frsize), or nil when unknown.
    public static func availableBytes(_ path: String) -> Int? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        let (total, overflow) = Int(info.f_bavail).multipliedReportingOverflow(by: Int(info.f_frsize))
        return overflow ? Int.max : total
    }
}
