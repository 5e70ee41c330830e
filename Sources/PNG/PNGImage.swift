/// An 8-bit greyscale (1 channel) or RGB (3 channels) image, rows top to
/// bottom, channels interleaved within a pixel (height × width × channels).
///
/// These are the only two layouts vae-dist reads and writes: a model's input
/// is a flat row of values, so alpha and bit depths other than 8 are
/// resolved once, when a file is decoded (see ``init(contentsOfFile:)``).
public struct PNGImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "image dimensions must be positive")
        precondition(channels == 1 || channels == 3, "images have 1 (grey) or 3 (RGB) channels, not \(channels)")
        precondition(pixels.count == width * height * channels, "\(pixels.count) pixel values for \(width)x\(height)x\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }
}

/// What a PNG file's header says, before any pixel is decoded.
public struct PNGInfo: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// The channels the file decodes to: 3 for colour and palette files,
    /// 1 for grey and grey+alpha ones.
    public let channels: Int
    /// True when the file has an alpha channel or a transparent colour,
    /// which decoding composites onto black.
    public let hasAlpha: Bool
    /// True for 16 bits per channel, which decoding reduces to 8.
    public let isSixteenBit: Bool
}
