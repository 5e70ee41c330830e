import PNG
import SystemIO

/// The decode cache: the folder's images as one `.npy` file of unsigned
/// bytes, shape (N, H, W, C), which NumPy can open too and training
/// memory-maps like any `.npy` dataset.
///
/// Building it is split into steps so that several processes can share the
/// work: one calls ``createCache(at:)``, then each decodes a disjoint range
/// of images with ``decode(_:intoCacheAt:)`` (positional writes at row
/// offsets, so they never collide), and once all are done one calls
/// ``sealCache(at:)``. ``cachedSamples(at:)`` does all of it in one process.
///
/// Validity lives in a sidecar, `<cache>.key`, written only by
/// ``sealCache(at:)`` after the rows are on disk: the sample shape and a
/// 64-bit FNV-1a hash of every image's relative path, size and modification
/// time (nanoseconds). A later scan of an unchanged folder produces the same
/// key, so the cache is reused; adding, removing, renaming or rewriting any
/// image changes it. An interrupted build leaves no key and is rebuilt. (A
/// file rewritten with the same size within the file system's timestamp
/// resolution would not be noticed.)
extension ImageFolder {
    /// Bytes per decoded image.
    public var rowByteCount: Int { shape.features }

    /// The cache's `.npy` header.
    public var cacheHeader: [UInt8] {
        guard let image = shape.image else { preconditionFailure("an image folder has image shapes") }
        return NumpyHeader.encode(descr: "|u1", shape: [count, image.height, image.width, image.channels])
    }

    /// The sidecar text that marks a complete cache of this scan.
    public var cacheKey: String {
        var hash = FNV1a()
        for image in images {
            hash.mix(image.relativePath)
            hash.mix(UInt64(image.byteCount))
            hash.mix(UInt64(bitPattern: image.modificationNanoseconds))
        }
        let hex = String(hash.value, radix: 16)
        let image = shape.image
        return """
            vae-dist image cache 1
            images \(count)
            shape \(image?.height ?? 0) \(image?.width ?? 0) \(image?.channels ?? 0)
            files \(String(repeating: "0", count: 16 - hex.count) + hex)

            """
    }

    /// The cache file's size, or nil when it would not fit in an Int.
    var cacheByteCount: Int? {
        let (rows, overflow) = count.multipliedReportingOverflow(by: rowByteCount)
        let (total, overflowTotal) = rows.addingReportingOverflow(cacheHeader.count)
        return overflow || overflowTotal ? nil : total
    }

    public static func keyPath(forCacheAt path: String) -> String { path + ".key" }

    /// Removes any key of an older cache, then creates `path` with this
    /// folder's header and room for every row (the rows read as zeros until
    /// decoded).
    public func createCache(at path: String) throws(DatasetError) {
        guard let size = cacheByteCount else { throw .shapeOverflow(path: path, shape: [count, rowByteCount]) }
        do {
            try Files.remove(Self.keyPath(forCacheAt: path))
            let file = try PositionalFile.create(path, byteCount: size)
            try file.write(cacheHeader, at: 0)
        } catch {
            throw .unreadable(path: error.path, reason: error.reason)
        }
    }

    /// Decodes images `range` and writes each at its row of the cache at
    /// `path`, made by ``createCache(at:)`` (possibly in another process).
    /// An image that no longer decodes, or decodes to another size than the
    /// scan found, is refused by name.
    public func decode(_ range: Range<Int>, intoCacheAt path: String) throws(DatasetError) {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "images \(range) outside 0..<\(count)")
        let dataOffset = cacheHeader.count
        let file: PositionalFile
        do {
            file = try PositionalFile.openExisting(path)
        } catch {
            throw .unreadable(path: path, reason: error.reason)
        }
        guard let expected = shape.image else { return }
        for index in range {
            let imageFile = imagePath(index)
            let image: PNGImage
            do {
                image = try PNGImage(contentsOfFile: imageFile)
            } catch {
                throw .corruptImage(path: imageFile, reason: error.reason)
            }
            guard image.width == expected.width, image.height == expected.height, image.channels == expected.channels else {
                throw .imageFormatMismatch(path: imageFile,
                                           found: Self.describe(width: image.width, height: image.height, channels: image.channels),
                                           first: imagePath(0),
                                           expected: Self.describe(width: expected.width, height: expected.height, channels: expected.channels))
            }
            do {
                try file.write(image.pixels, at: dataOffset + index * rowByteCount)
            } catch {
                throw .unreadable(path: path, reason: error.reason)
            }
        }
    }

    /// Flushes the cache's rows to disk, then writes its key: from here on
    /// ``isCacheValid(at:)`` accepts it. Call once every range is decoded.
    public func sealCache(at path: String) throws(DatasetError) {
        do {
            try PositionalFile.openExisting(path).synchronize()
            try Files.writeAtomically(Array(cacheKey.utf8), to: Self.keyPath(forCacheAt: path))
        } catch {
            throw .unreadable(path: error.path, reason: error.reason)
        }
    }

    /// True when `path` holds a complete cache of exactly this scan: its key
    /// matches and the file has this folder's header and size.
    public func isCacheValid(at path: String) -> Bool {
        guard let key = try? Files.read(Self.keyPath(forCacheAt: path)), key == Array(cacheKey.utf8),
              let status = try? Files.status(path), status.kind == .regular
        else { return false }
        let header = cacheHeader
        guard status.byteCount == cacheByteCount,
              let file = try? MappedFile(path: path), file.bytes(in: 0..<header.count) == header
        else { return false }
        return true
    }

    /// The decoded images, from the cache at `path`: reused when valid,
    /// otherwise built here in one process. `reused` tells which.
    public func cachedSamples(at path: String) throws(DatasetError) -> (samples: SampleMatrix, reused: Bool) {
        let reused = isCacheValid(at: path)
        if !reused {
            try createCache(at: path)
            try decode(0..<count, intoCacheAt: path)
            try sealCache(at: path)
        }
        let samples = try NumpyFile(path: path).samples
        guard samples.count == count, samples.shape == shape, samples.element == .uint8 else {
            throw .cacheMismatch(path: path, reason: "it holds \(samples.count) samples of \(samples.shape), the folder \(count) of \(shape)")
        }
        return (samples, reused)
    }
}
