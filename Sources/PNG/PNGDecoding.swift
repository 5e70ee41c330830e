import CPNG

extension PNGImage {
    /// Images larger than this many decoded bytes are refused before any
    /// allocation: a corrupt or hostile header can claim up to 2³¹ × 2³¹.
    public static let maximumDecodedBytes = 1 << 31

    /// libpng's PNG_FORMAT_RGB and PNG_FORMAT_GRAY (macros of macros, which
    /// Swift does not import): 8-bit channels, no alpha.
    static let rgbFormat = UInt32(PNG_FORMAT_FLAG_COLOR)
    static let greyFormat: UInt32 = 0

    /// Reads only the header of the PNG file at `path`.
    public static func info(ofFileAt path: String) throws(PNGError) -> PNGInfo {
        try withImage { image throws(PNGError) in
            try check(png_image_begin_read_from_file(image, path), image)
            return info(of: image.pointee)
        }
    }

    /// Decodes the PNG file at `path` to 8-bit grey or RGB.
    ///
    /// Colour and palette files decode to RGB, grey and grey+alpha files to
    /// grey. Alpha (an alpha channel or a tRNS transparent colour) is
    /// composited onto black, so transparent backgrounds become the dark
    /// background MNIST-like data has. 16-bit files are reduced to 8 bits,
    /// their values read as sRGB-encoded when the file says nothing about
    /// gamma (libpng's `PNG_IMAGE_FLAG_16BIT_sRGB`), so 0xFFFF becomes 255
    /// and 0x8080 becomes 128. This is libpng's simplified API throughout: it
    /// reports errors through the image's message, never by `longjmp`.
    public init(contentsOfFile path: String) throws(PNGError) {
        self = try Self.withImage { image throws(PNGError) in
            try Self.check(png_image_begin_read_from_file(image, path), image)
            return try Self.finishReading(image)
        }
    }

    /// Decodes PNG `data` like ``init(contentsOfFile:)``.
    public init(decoding data: [UInt8]) throws(PNGError) {
        // withUnsafeBytes rethrows untyped errors, so the outcome travels as a Result.
        let decoded = data.withUnsafeBytes { bytes in
            Result { () throws(PNGError) in
                try Self.withImage { image throws(PNGError) in
                    try Self.check(png_image_begin_read_from_memory(image, bytes.baseAddress, bytes.count), image)
                    return try Self.finishReading(image)
                }
            }
        }
        self = try decoded.get()
    }

    /// Runs `body` on a zeroed `png_image` and frees libpng's state after,
    /// whatever happened.
    static func withImage<Result>(_ body: (UnsafeMutablePointer<png_image>) throws(PNGError) -> Result) throws(PNGError) -> Result {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        return try withUnsafeMutablePointer(to: &image) { pointer throws(PNGError) in try body(pointer) }
    }

    static func check(_ status: Int32, _ image: UnsafeMutablePointer<png_image>) throws(PNGError) {
        guard status != 0, vae_png_image_failed(image) == 0 else {
            let message = withUnsafeBytes(of: image.pointee.message) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            throw PNGError(reason: message.isEmpty ? "libpng failed without a message" : message)
        }
    }

    private static func info(of image: png_image) -> PNGInfo {
        let format = image.format
        return PNGInfo(width: Int(image.width), height: Int(image.height),
                       channels: format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0 ? 3 : 1,
                       hasAlpha: format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0,
                       isSixteenBit: format & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0)
    }

    private static func finishReading(_ image: UnsafeMutablePointer<png_image>) throws(PNGError) -> PNGImage {
        let info = info(of: image.pointee)
        let (stride, strideOverflow) = info.width.multipliedReportingOverflow(by: info.channels)
        let (size, sizeOverflow) = stride.multipliedReportingOverflow(by: info.height)
        guard !strideOverflow, !sizeOverflow, stride <= Int(Int32.max), size <= maximumDecodedBytes else {
            throw PNGError(reason: "\(info.width)x\(info.height) image is too large to decode (over \(maximumDecodedBytes) bytes)")
        }
        image.pointee.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)
        image.pointee.format = info.channels == 3 ? rgbFormat : greyFormat
        var pixels = [UInt8](repeating: 0, count: size)
        var black = png_color(red: 0, green: 0, blue: 0)
        let status = pixels.withUnsafeMutableBytes { buffer in
            png_image_finish_read(image, &black, buffer.baseAddress, Int32(stride), nil)
        }
        try check(status, image)
        return PNGImage(width: info.width, height: info.height, channels: info.channels, pixels: pixels)
    }
}
