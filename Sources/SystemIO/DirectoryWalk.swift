/// One entry found by ``Files/walk(_:)``.
public struct WalkedEntry: Sendable {
    /// The path below the walked root, components joined by "/".
    public let relativePath: String
    public let status: FileStatus
}

extension Files {
    /// Every non-directory entry below `root`, recursively, sorted byte-wise
    /// by relative path so every process that walks the same tree gets the
    /// same order.
    ///
    /// Symbolic links are followed (a dataset is often a folder of links);
    /// a link that leads back to a directory being walked is a loop and is
    /// refused by name, as is any entry that cannot be examined (a dangling
    /// link, a directory without read permission). Names starting with "."
    /// are hidden and skipped, with everything below them.
    public static func walk(_ root: String) throws(FileError) -> [WalkedEntry] {
        let top = try status(root)
        guard top.kind == .directory else { throw FileError(path: root, reason: "is not a directory") }
        var entries = [WalkedEntry]()
        try walk(root, relative: "", ancestors: [Identity(top): root], into: &entries)
        entries.sort { $0.relativePath.utf8.lexicographicallyPrecedes($1.relativePath.utf8) }
        return entries
    }

    private struct Identity: Hashable {
        let device: UInt64
        let inode: UInt64
        init(_ status: FileStatus) {
            device = status.device
            inode = status.inode
        }
    }

    private static func walk(_ directory: String, relative: String, ancestors: [Identity: String],
                             into entries: inout [WalkedEntry]) throws(FileError) {
        for name in try list(directory) where !name.hasPrefix(".") {
            let path = directory + "/" + name
            let relativePath = relative.isEmpty ? name : relative + "/" + name
            let entry = try status(path)
            guard entry.kind == .directory else {
                entries.append(WalkedEntry(relativePath: relativePath, status: entry))
                continue
            }
            if let ancestor = ancestors[Identity(entry)] {
                throw FileError(path: path, reason: "symbolic link loop: leads back to \(ancestor)")
            }
            var inner = ancestors
            inner[Identity(entry)] = path
            try walk(path, relative: relativePath, ancestors: inner, into: &entries)
        }
    }
}
