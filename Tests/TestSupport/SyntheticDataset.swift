import Foundation
import Randomness

/// A small MNIST-layout dataset written to a temporary directory: images of
/// one or two bright rectangles on a dark background, so a VAE has real
/// structure to learn in a few steps, at a size that trains in milliseconds.
public struct SyntheticDataset {
    public let directory: URL
    public let trainCount: Int
    public let testCount: Int
    public let side: Int

    public init(trainCount: Int = 256, testCount: Int = 64, side: Int = 8, seed: UInt64 = 7,
                gzip: Bool = true) throws {
        directory = try TemporaryDirectory.make(prefix: "vae-data")
        self.trainCount = trainCount
        self.testCount = testCount
        self.side = side
        var generator = SplitMix64(seed: seed)
        for (prefix, count) in [("train", trainCount), ("t10k", testCount)] {
            var pixels = [UInt8]()
            var labels = [UInt8]()
            for _ in 0..<count {
                let (image, label) = Self.image(side: side, using: &generator)
                pixels += image
                labels.append(label)
            }
            try write(IDXWriter.bytes(dimensions: [count, side, side], elements: pixels),
                      name: "\(prefix)-images-idx3-ubyte", gzip: gzip)
            try write(IDXWriter.bytes(dimensions: [count], elements: labels),
                      name: "\(prefix)-labels-idx1-ubyte", gzip: gzip)
        }
    }

    public var path: String { directory.path }

    public func write(_ bytes: [UInt8], name: String, gzip: Bool) throws {
        let url = directory.appendingPathComponent(gzip ? name + ".gz" : name)
        try Data(gzip ? IDXWriter.gzipped(bytes) : bytes).write(to: url)
    }

    private static func image(side: Int, using generator: inout SplitMix64) -> ([UInt8], UInt8) {
        var pixels = [UInt8](repeating: 0, count: side * side)
        let shapes = Int(generator.next() % 2) + 1
        for _ in 0..<shapes {
            let width = Int(generator.next() % UInt64(side / 2)) + 2
            let height = Int(generator.next() % UInt64(side / 2)) + 2
            let left = Int(generator.next() % UInt64(side - width + 1))
            let top = Int(generator.next() % UInt64(side - height + 1))
            let level = UInt8(155 + generator.next() % 100)
            for y in top..<(top + height) { for x in left..<(left + width) { pixels[y * side + x] = level } }
        }
        return (pixels, UInt8(shapes))
    }
}

public enum TemporaryDirectory {
    public static func make(prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
