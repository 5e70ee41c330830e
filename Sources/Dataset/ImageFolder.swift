import PNG
import SystemIO

/// A folder of PNG images used as training data: every `.png` file below
/// it, in byte-wise order of relative path, so every process sees the same
/// sample numbering.
///
/// Rules, chosen so a run never trains on something other than the user
/// meant: symbolic links are followed and a link loop is refused by name, as
/// is any entry that cannot be examined; names starting with "." are hidden
/// and ignored; other files (a README, labels.csv, thumbnails in another
/// format) are skipped and counted in ``skippedFileCount`` for the run's
/// report; every image must decode to the same size and channel count as the
/// first (colour and palette files to RGB, grey ones to grey; see
/// `PNGImage.init(contentsOfFile:)` for alpha and 16-bit files); a folder
/// without images is refused.
///
/// Images are decoded once into a cache (see ``createCache(at:)``), which
/// training then memory-maps.
public struct ImageFolder: Sendable {
    /// One image file, with what identifies its version for the cache.
    public struct Image: Equatable, Sendable {
        public let relativePath: String
        public let byteCount: Int
        public let modificationNanoseconds: Int64
    }

    public let path: String
    public let images: [Image]
    public let shape: SampleShape
    public let skippedFileCount: Int

    public var count: Int { images.count }

    /// Walks `path` and reads every image's header (not its pixels).
    public init(scanning path: String) throws(DatasetError) {
        let entries: [WalkedEntry]
        do {
            entries = try Files.walk(path)
        } catch {
            throw .unreadable(path: error.path, reason: error.reason)
        }
        var images = [Image]()
        var skipped = 0
        var first: (path: String, info: PNGInfo)?
        for entry in entries {
            guard entry.status.kind == .regular, entry.relativePath.lowercased().hasSuffix(".png") else {
                skipped += 1
                continue
            }
            let file = path + "/" + entry.relativePath
            let info: PNGInfo
            do {
                info = try PNGImage.info(ofFileAt: file)
            } catch {
                throw .corruptImage(path: file, reason: error.reason)
            }
            if let first {
                try Self.check(info, at: file, matches: first.info, of: first.path)
            } else {
                first = (file, info)
            }
            images.append(Image(relativePath: entry.relativePath, byteCount: entry.status.byteCount,
                                modificationNanoseconds: entry.status.modificationNanoseconds))
        }
        guard let first else { throw .noImages(path: path, skipped: skipped) }
        self.path = path
        self.images = images
        shape = SampleShape(height: first.info.height, width: first.info.width, channels: first.info.channels)
        skippedFileCount = skipped
    }

    /// The full path of image `index`.
    public func imagePath(_ index: Int) -> String {
        path + "/" + images[index].relativePath
    }

    static func describe(width: Int, height: Int, channels: Int) -> String {
        "\(width)x\(height) \(channels == 1 ? "grey" : "RGB")"
    }

    static func check(_ info: PNGInfo, at path: String, matches expected: PNGInfo, of first: String) throws(DatasetError) {
        guard info.width == expected.width, info.height == expected.height, info.channels == expected.channels else {
            throw .imageFormatMismatch(path: path, found: describe(width: info.width, height: info.height, channels: info.channels),
                                       first: first,
                                       expected: describe(width: expected.width, height: expected.height, channels: expected.channels))
        }
    }
}
