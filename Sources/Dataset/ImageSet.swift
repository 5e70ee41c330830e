/// Images as bytes (one row of `pixelsPerImage` per image) with their labels,
/// when there are any (a VAE does not need them).
///
/// Pixels stay `UInt8` in memory (a quarter of the floats' size); the trainer
/// scales each batch to [0, 1] as it copies it into the model's input.
public struct ImageSet: Sendable {
    public let count: Int
    public let rows: Int
    public let columns: Int
    public let pixels: [UInt8]
    public let labels: [UInt8]?
    /// The images file, for messages.
    public let source: String

    public var pixelsPerImage: Int { rows * columns }

    public init(count: Int, rows: Int, columns: Int, pixels: [UInt8], labels: [UInt8]? = nil, source: String = "images") {
        precondition(pixels.count == count * rows * columns && (labels?.count ?? count) == count, "image set sizes disagree")
        self.count = count
        self.rows = rows
        self.columns = columns
        self.pixels = pixels
        self.labels = labels
        self.source = source
    }

    /// Reads an images file (3 dimensions) and, if given, its labels file
    /// (1 dimension).
    public init(imagesPath: String, labelsPath: String?) throws(DatasetError) {
        let images = try IDXFile(path: imagesPath, dimensionCount: 3)
        var labels: [UInt8]?
        if let labelsPath {
            let file = try IDXFile(path: labelsPath, dimensionCount: 1)
            guard images.dimensions[0] == file.dimensions[0] else {
                throw .countMismatch(images: imagesPath, imageCount: images.dimensions[0],
                                     labels: labelsPath, labelCount: file.dimensions[0])
            }
            labels = file.elements
        }
        self.init(count: images.dimensions[0], rows: images.dimensions[1], columns: images.dimensions[2],
                  pixels: images.elements, labels: labels, source: imagesPath)
    }

    /// The images as the row source training reads every kind of data
    /// through (grey, one byte per pixel; the pixels are shared, not copied).
    public var samples: SampleMatrix {
        SampleMatrix(bytes: pixels, count: count, shape: SampleShape(height: rows, width: columns, channels: 1),
                     element: .uint8, source: source)
    }

    /// A 64-bit digest of the sizes and pixels, so ranks can check they
    /// loaded the same data before training on it.
    public var fingerprint: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ value: UInt64) { hash = (hash ^ value) &* 0x0000_0100_0000_01b3 }
        mix(UInt64(count)); mix(UInt64(rows)); mix(UInt64(columns))
        var index = 0
        while index + 8 <= pixels.count {
            var word: UInt64 = 0
            for offset in 0..<8 { word |= UInt64(pixels[index + offset]) << (8 * offset) }
            mix(word)
            index += 8
        }
        while index < pixels.count { mix(UInt64(pixels[index])); index += 1 }
        for label in labels ?? [] { mix(UInt64(label)) }
        return hash
    }
}
