import Foundation
import PNG
import Tensors
import Testing
import TestSupport
@testable import Dataset

@Suite struct ImageFolderTests {
    static func image(_ seed: Int, width: Int = 3, height: Int = 2, channels: Int = 1) -> PNGImage {
        PNGImage(width: width, height: height, channels: channels,
                 pixels: (0..<(width * height * channels)).map { UInt8(truncatingIfNeeded: seed * 50 + $0 * 7) })
    }

    static func save(_ image: PNGImage, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try write(try image.encoded(), to: path)
    }

    /// a/1.png, a/2.png, b.png, c/d/3.png, plus a README and hidden files.
    static func folder() throws -> String {
        let root = try TemporaryDirectory.make(prefix: "images").path
        try save(image(1), root + "/c/d/3.png")
        try save(image(2), root + "/b.png")
        try save(image(3), root + "/a/2.png")
        try save(image(4), root + "/a/1.png")
        try write(Array("about these images\n".utf8), to: root + "/README.txt")
        try write(Array("not a png".utf8), to: root + "/.hidden.png")
        try save(image(9, width: 9), root + "/.cache/other.png")
        return root
    }

    func rows(_ samples: SampleMatrix) -> [[Float]] {
        let matrix = Matrix(buffer: FloatBuffer(count: samples.count * samples.features), offset: 0,
                            rows: samples.count, columns: samples.features)
        samples.gather(rows: 0..<samples.count, into: matrix)
        return (0..<samples.count).map { r in (0..<samples.features).map { matrix[r, $0] } }
    }

    func scaled(_ image: PNGImage) -> [Float] { image.pixels.map { Float($0) * (1 / 255 as Float) } }

    @Test func scansInByteOrderSkippingOtherAndHiddenFiles() throws {
        let root = try Self.folder()
        let folder = try ImageFolder(scanning: root)
        #expect(folder.images.map(\.relativePath) == ["a/1.png", "a/2.png", "b.png", "c/d/3.png"])
        #expect(folder.skippedFileCount == 1)
        #expect(folder.shape == SampleShape(height: 2, width: 3, channels: 1))
    }

    @Test func cacheIsBuiltOnceReusedAndRebuiltWhenAFileChanges() throws {
        let root = try Self.folder()
        let cache = try TemporaryDirectory.make(prefix: "cache").appendingPathComponent("images.npy").path
        let first = try ImageFolder(scanning: root).cachedSamples(at: cache)
        #expect(!first.reused)
        #expect(rows(first.samples) == [4, 3, 2, 1].map { scaled(Self.image($0)) })
        let numpy = python("import sys, numpy as np; a = np.load(sys.argv[1]); print(a.dtype, a.shape, a[3].ravel().tolist())", [cache])
        #expect(numpy == "uint8 (4, 2, 3, 1) \(Self.image(1).pixels.map(Int.init))\n", "the cache is a plain .npy file")

        let second = try ImageFolder(scanning: root).cachedSamples(at: cache)
        #expect(second.reused)
        #expect(rows(second.samples) == rows(first.samples))

        try Self.save(Self.image(7), root + "/b.png")
        let changed = try ImageFolder(scanning: root)
        #expect(!changed.isCacheValid(at: cache))
        let third = try changed.cachedSamples(at: cache)
        #expect(!third.reused)
        #expect(rows(third.samples)[2] == scaled(Self.image(7)))
        try FileManager.default.removeItem(atPath: root + "/a/2.png")
        #expect(!(try ImageFolder(scanning: root)).isCacheValid(at: cache), "a removed image invalidates the cache")
    }

    /// Two "ranks" fill disjoint ranges of one preallocated cache; only the seal makes it valid.
    @Test func rangesDecodedSeparatelyMakeOneCache() throws {
        let root = try Self.folder()
        let cache = try TemporaryDirectory.make(prefix: "cache").appendingPathComponent("images.npy").path
        let folder = try ImageFolder(scanning: root)
        try folder.createCache(at: cache)
        try ImageFolder(scanning: root).decode(2..<4, intoCacheAt: cache)
        try ImageFolder(scanning: root).decode(0..<2, intoCacheAt: cache)
        #expect(!folder.isCacheValid(at: cache), "an unsealed cache is not valid")
        try folder.sealCache(at: cache)
        #expect(folder.isCacheValid(at: cache))
        #expect(rows(try NumpyFile(path: cache).samples) == [4, 3, 2, 1].map { scaled(Self.image($0)) })
        try write(try contents(cache) + [0], to: cache)
        #expect(!folder.isCacheValid(at: cache), "a cache of the wrong size is not valid")
    }

    @Test func rgbImagesKeepInterleavedChannels() throws {
        let root = try TemporaryDirectory.make(prefix: "rgb").path
        try Self.save(Self.image(1, channels: 3), root + "/x.png")
        try Self.save(Self.image(2, channels: 3), root + "/y.png")
        let cache = root + "/../rgb-cache.npy"
        let samples = try ImageFolder(scanning: root).cachedSamples(at: cache).samples
        #expect(samples.shape == SampleShape(height: 2, width: 3, channels: 3))
        #expect(rows(samples) == [scaled(Self.image(1, channels: 3)), scaled(Self.image(2, channels: 3))])
    }

    @Test func refusesMixedSizesAndChannelsNamingBothFiles() throws {
        let root = try TemporaryDirectory.make(prefix: "mixed").path
        try Self.save(Self.image(1), root + "/a.png")
        try Self.save(Self.image(2, width: 4), root + "/b.png")
        #expect(throws: DatasetError.imageFormatMismatch(path: root + "/b.png", found: "4x2 grey", first: root + "/a.png", expected: "3x2 grey")) {
            try ImageFolder(scanning: root)
        }
        try Self.save(Self.image(2, channels: 3), root + "/b.png")
        #expect(throws: DatasetError.imageFormatMismatch(path: root + "/b.png", found: "3x2 RGB", first: root + "/a.png", expected: "3x2 grey")) {
            try ImageFolder(scanning: root)
        }
    }

    @Test func namesACorruptImage() throws {
        let root = try TemporaryDirectory.make(prefix: "corrupt").path
        try Self.save(Self.image(1), root + "/a.png")
        try write(Array("this is not a PNG".utf8), to: root + "/b.png")
        do {
            _ = try ImageFolder(scanning: root)
            Issue.record("a corrupt PNG must be refused")
        } catch {
            guard case let .corruptImage(path, _) = error else { Issue.record("\(error)"); return }
            #expect(path == root + "/b.png")
            #expect(error.description.hasPrefix(root + "/b.png: not a usable PNG image: "))
        }
        // A file whose header is fine but whose pixels are cut off fails when decoded, by name.
        let good = try Self.image(2).encoded()
        try write(Array(good.prefix(good.count - 20)), to: root + "/b.png")
        let folder = try ImageFolder(scanning: root)
        let cache = root + "/../corrupt-cache.npy"
        #expect(throws: DatasetError.self) { try folder.cachedSamples(at: cache) }
        do {
            _ = try folder.cachedSamples(at: cache)
        } catch {
            guard case let .corruptImage(path, _) = error else { Issue.record("\(error)"); return }
            #expect(path == root + "/b.png")
        }
        #expect(!folder.isCacheValid(at: cache), "a failed build leaves no valid cache")
    }

    @Test func refusesAFolderWithoutImages() throws {
        let root = try TemporaryDirectory.make(prefix: "empty").path
        #expect(throws: DatasetError.noImages(path: root, skipped: 0)) { try ImageFolder(scanning: root) }
        try write(Array("notes".utf8), to: root + "/notes.txt")
        #expect(throws: DatasetError.noImages(path: root, skipped: 1)) { try ImageFolder(scanning: root) }
        #expect(DatasetError.noImages(path: root, skipped: 1).description == "\(root): no .png images in this folder (1 other files skipped)")
        #expect(throws: DatasetError.unreadable(path: root + "/missing", reason: "No such file or directory")) {
            try ImageFolder(scanning: root + "/missing")
        }
    }

    @Test func reportsLinkLoopsAndDanglingLinksByName() throws {
        let root = try TemporaryDirectory.make(prefix: "links").path
        try Self.save(Self.image(1), root + "/sub/a.png")
        try FileManager.default.createSymbolicLink(atPath: root + "/sub/loop", withDestinationPath: "..")
        do {
            _ = try ImageFolder(scanning: root)
            Issue.record("a link loop must be refused")
        } catch {
            #expect(error == .unreadable(path: root + "/sub/loop", reason: "symbolic link loop: leads back to \(root)"))
        }
        try FileManager.default.removeItem(atPath: root + "/sub/loop")
        try FileManager.default.createSymbolicLink(atPath: root + "/sub/gone.png", withDestinationPath: root + "/nowhere.png")
        #expect(throws: DatasetError.unreadable(path: root + "/sub/gone.png", reason: "No such file or directory")) {
            try ImageFolder(scanning: root)
        }
        try FileManager.default.removeItem(atPath: root + "/sub/gone.png")
        try FileManager.default.createSymbolicLink(atPath: root + "/linked", withDestinationPath: root + "/sub")
        #expect(try ImageFolder(scanning: root).images.map(\.relativePath) == ["linked/a.png", "sub/a.png"], "links are followed")
    }
}
