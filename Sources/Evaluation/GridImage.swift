import PNG
import SystemIO
import TrainingCore

/// An 8-bit grey or RGB image (rows of channel-interleaved pixels), and the
/// tiled grids vae-dist writes as PNG.
public struct GridImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// 1 (grey) or 3 (RGB).
    public let channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int = 1, fill: UInt8 = 0) {
        precondition(width > 0 && height > 0, "image dimensions must be positive")
        precondition(channels == 1 || channels == 3, "images have 1 or 3 channels, not \(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        pixels = [UInt8](repeating: fill, count: width * height * channels)
    }

    /// Tiles of `tileWidth × tileHeight × channels` values in [0, 1] (rows of
    /// channel-interleaved pixels, as the model sees an image), laid out
    /// `columns` per row with a 1-pixel mid-gray gap (visible on both the
    /// dark backgrounds of MNIST-like data and light ones).
    public static func grid(tiles: [[Float]], tileWidth: Int, tileHeight: Int, channels: Int = 1, columns: Int) -> GridImage {
        precondition(!tiles.isEmpty && columns > 0, "a grid needs tiles and columns")
        let gap = 1
        let rows = (tiles.count + columns - 1) / columns
        let shownColumns = min(columns, tiles.count)
        var image = GridImage(width: shownColumns * (tileWidth + gap) + gap,
                              height: rows * (tileHeight + gap) + gap, channels: channels, fill: 128)
        let tileRow = tileWidth * channels
        for (index, tile) in tiles.enumerated() {
            precondition(tile.count == tileRow * tileHeight, "tile \(index) has \(tile.count) values")
            let left = (gap + (index % columns) * (tileWidth + gap)) * channels
            let top = gap + (index / columns) * (tileHeight + gap)
            for y in 0..<tileHeight {
                for x in 0..<tileRow {
                    // NaN (a diverged model) shows black rather than trapping the conversion.
                    let raw = tile[y * tileRow + x]
                    let value = raw.isNaN ? 0 : min(max(raw, 0), 1)
                    image.pixels[(top + y) * image.width * channels + left + x] = UInt8((value * 255).rounded())
                }
            }
        }
        return image
    }

    /// The image as an 8-bit grey or RGB PNG file (libpng).
    public func pngData() throws(PNGError) -> [UInt8] {
        try PNGImage(width: width, height: height, channels: channels, pixels: pixels).encoded()
    }

    /// Writes the PNG atomically (a reader never sees half an image).
    public func write(to path: String) throws(TrainingError) {
        let data: [UInt8]
        do {
            data = try pngData()
        } catch {
            throw .image(path: path, reason: error.reason)
        }
        do {
            try Files.writeAtomically(data, to: path)
        } catch {
            throw .file(error)
        }
    }
}
