import CPNG

extension PNGImage {
    /// The image as an 8-bit grey or RGB PNG file, in memory (callers write
    /// it atomically). libpng chooses the row filters and marks the file
    /// sRGB, as its simplified API always does.
    public func encoded() throws(PNGError) -> [UInt8] {
        guard width <= Int(UInt32.max), height <= Int(UInt32.max), width * channels <= Int(Int32.max) else {
            throw PNGError(reason: "\(width)x\(height) image is too large for PNG")
        }
        // withUnsafeBytes rethrows untyped errors, so the outcome travels as a Result.
        let encoded = pixels.withUnsafeBytes { source in
            Result { () throws(PNGError) in try encode(source) }
        }
        return try encoded.get()
    }

    private func encode(_ source: UnsafeRawBufferPointer) throws(PNGError) -> [UInt8] {
        try Self.withImage { image throws(PNGError) in
            image.pointee.width = UInt32(width)
            image.pointee.height = UInt32(height)
            image.pointee.format = channels == 3 ? Self.rgbFormat : Self.greyFormat
            // A first call without memory reports the size the file needs.
            var size = 0
            try Self.check(png_image_write_to_memory(image, nil, &size, 0, source.baseAddress, 0, nil), image)
            var file = [UInt8](repeating: 0, count: size)
            let status = file.withUnsafeMutableBytes { buffer in
                png_image_write_to_memory(image, buffer.baseAddress, &size, 0, source.baseAddress, 0, nil)
            }
            try Self.check(status, image)
            file.removeLast(file.count - min(size, file.count))
            return file
        }
    }
}
