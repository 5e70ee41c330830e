#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Files {
    /// Why `path` cannot be used as a directory, or nil when it is one.
    ///
    /// A symbolic-link loop (`a -> b -> a`) makes `stat` fail with `ELOOP`;
    /// reported as "no such directory" it would send the user looking for a
    /// missing directory when the name is right there, so every distinct
    /// failure gets its own words.
    public static func directoryProblem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            switch errno {
            case ELOOP: return symbolicLinkLoop
            case ENOENT: return "no such directory"
            case ENOTDIR: return "no such directory (a component of the path is not a directory)"
            default: return lastError()
            }
        }
        return (info.st_mode & S_IFMT) == S_IFDIR ? nil : "is not a directory"
    }

    /// How a path that loops through symbolic links is described.
    public static let symbolicLinkLoop = "is a symbolic link loop (too many levels of symbolic links)"
}
