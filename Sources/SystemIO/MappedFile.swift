#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory, unmapped when the last
/// reference goes away.
///
/// Datasets larger than memory are trained on through this: the kernel pages
/// rows in as batches touch them and drops them under pressure, so a
/// process's resident memory does not grow with the file. The mapping is
/// private and read-only; a file truncated by another process while mapped
/// would fault on access, which is why caches are written before they are
/// mapped and never rewritten in place afterwards.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let byteCount: Int
    /// Nil for an empty file (`mmap` refuses zero lengths).
    private let base: UnsafeRawPointer?

    public init(path: String) throws(FileError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileError(path: path, reason: Files.lastError()) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FileError(path: path, reason: Files.lastError()) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw FileError(path: path, reason: (info.st_mode & S_IFMT) == S_IFDIR ? "is a directory, not a file" : "is not a regular file")
        }
        self.path = path
        byteCount = Int(info.st_size)
        guard byteCount > 0 else {
            base = nil
            return
        }
        let mapped = mmap(nil, byteCount, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let mapped, mapped != MAP_FAILED else { throw FileError(path: path, reason: "cannot map: \(Files.lastError())") }
        base = UnsafeRawPointer(mapped)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), byteCount) }
    }

    /// A copy of the bytes in `range`, which must lie inside the file.
    public func bytes(in range: Range<Int>) -> [UInt8] {
        precondition(range.lowerBound >= 0 && range.upperBound <= byteCount,
                     "byte range \(range) outside \(path) of \(byteCount) bytes")
        return withUnsafeBytes { all in Array(all[range]) }
    }

    /// The mapped bytes, for the pointer-level kernels in Tensors; code above
    /// those layers uses ``bytes(in:)``. The buffer is valid only inside `body`.
    package func withUnsafeBytes<Result, Failure: Error>(
        _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        try body(UnsafeRawBufferPointer(start: base, count: base == nil ? 0 : byteCount))
    }
}
