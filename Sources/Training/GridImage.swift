import Gzip
import SystemIO

/// An 8-bit grayscale image, and the tiled grids vae-dist writes as PNG.
public struct GrayImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, fill: UInt8 = 0) {
        precondition(width > 0 && height > 0, "image dimensions must be positive")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: fill, count: width * height)
    }

    /// Tiles of `tileWidth × tileHeight` values in [0, 1], laid out
    /// `columns` per row with a 1-pixel mid-gray gap (visible on both the
    /// dark backgrounds of MNIST-like data and light ones).
    public static func grid(tiles: [[Float]], tileWidth: Int, tileHeight: Int, columns: Int) -> GrayImage {
        precondition(!tiles.isEmpty && columns > 0, "a grid needs tiles and columns")
        let gap = 1
        let rows = (tiles.count + columns - 1) / columns
        let shownColumns = min(columns, tiles.count)
        var image = GrayImage(width: shownColumns * (tileWidth + gap) + gap,
                              height: rows * (tileHeight + gap) + gap, fill: 128)
        for (index, tile) in tiles.enumerated() {
            precondition(tile.count == tileWidth * tileHeight, "tile \(index) has \(tile.count) values")
            let left = gap + (index % columns) * (tileWidth + gap)
            let top = gap + (index / columns) * (tileHeight + gap)
            for y in 0..<tileHeight {
                for x in 0..<tileWidth {
                    let value = min(max(tile[y * tileWidth + x], 0), 1)
                    image.pixels[(top + y) * image.width + left + x] = UInt8((value * 255).rounded())
                }
            }
        }
        return image
    }

    /// The image as a PNG file (grayscale, 8 bits, no interlace, filter 0 on
    /// every scanline), compressed with zlib.
    public func pngData() throws(GzipError) -> [UInt8] {
        var scanlines = [UInt8]()
        scanlines.reserveCapacity((width + 1) * height)
        for y in 0..<height {
            scanlines.append(0)
            scanlines.append(contentsOf: pixels[(y * width)..<((y + 1) * width)])
        }
        var header = [UInt8]()
        header.append(contentsOf: bigEndian(UInt32(width)))
        header.append(contentsOf: bigEndian(UInt32(height)))
        header.append(contentsOf: [8, 0, 0, 0, 0])  // depth 8, grayscale, deflate, adaptive filtering, no interlace

        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        file.append(contentsOf: chunk("IHDR", header))
        file.append(contentsOf: chunk("IDAT", try Gzip.zlibCompress(scanlines)))
        file.append(contentsOf: chunk("IEND", []))
        return file
    }

    /// Writes the PNG atomically (a reader never sees half an image).
    public func write(to path: String) throws(TrainingError) {
        do {
            try Files.writeAtomically(try pngData(), to: path)
        } catch let error as FileError {
            throw .file(error)
        } catch {
            throw .image(path: path, reason: "\(error)")
        }
    }

    private func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeAndData = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + typeAndData + bigEndian(Gzip.crc32(typeAndData))
    }

    private func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }
}
