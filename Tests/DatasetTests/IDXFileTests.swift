import Foundation
import Testing
import TestSupport
@testable import Dataset

@Suite struct IDXFileTests {
    let images = IDXWriter.bytes(dimensions: [3, 2, 2], elements: Array(0..<12))

    @Test(arguments: [false, true])
    func readsRawAndGzippedFilesAlike(gzip: Bool) throws {
        let file = try IDXFile(bytes: gzip ? IDXWriter.gzipped(images) : images, path: "x", dimensionCount: 3)
        #expect(file.dimensions == [3, 2, 2])
        #expect(file.elements == Array(0..<12))
    }

    /// Each broken file is rejected with the error that names what is wrong.
    @Test func rejectsEveryKindOfBrokenFile() throws {
        func error(_ bytes: [UInt8], dimensions: Int = 3) -> DatasetError? {
            do {
                _ = try IDXFile(bytes: bytes, path: "f.idx", dimensionCount: dimensions)
                return nil
            } catch {
                return error
            }
        }
        #expect(error(Array(images.dropLast(5))) == .truncated(path: "f.idx", expected: 28, actual: 23))
        #expect(error(images + [0, 0]) == .trailingBytes(path: "f.idx", expected: 28, actual: 30))
        #expect(error([0x12, 0x34] + images.dropFirst(2)) == .badMagic(path: "f.idx", found: [0x12, 0x34, 0x08, 0x03]))
        #expect(error([0, 0, 0x0D] + images.dropFirst(3)) == .unsupportedElementType(path: "f.idx", code: 0x0D))
        #expect(error(images, dimensions: 1) == .wrongDimensionCount(path: "f.idx", expected: 1, found: 3))
        #expect(error([0, 0]) == .tooShort(path: "f.idx", size: 2))
        #expect(error(IDXWriter.bytes(dimensions: [0, 28, 28], elements: [])) == .empty(path: "f.idx"))
        let gz = IDXWriter.gzipped(images)
        guard case .corruptCompression = error(Array(gz.prefix(gz.count / 2))) else {
            Issue.record("a truncated gzip stream must be reported as corrupt compression")
            return
        }
        var flipped = gz
        flipped[flipped.count / 2] ^= 0xff
        #expect(error(flipped) != nil, "a corrupted gzip stream must not parse")
    }

    @Test func errorMessagesNameTheFileAndTheProblem() {
        let message = DatasetError.truncated(path: "/d/train-images-idx3-ubyte.gz", expected: 47_040_016, actual: 1000).description
        #expect(message == "/d/train-images-idx3-ubyte.gz: truncated: header promises 47040016 bytes, file has 1000")
        #expect(!message.contains("\n"))
    }
}

@Suite struct MNISTDirectoryTests {
    @Test func loadsASyntheticDirectory() throws {
        let data = try SyntheticDataset(trainCount: 20, testCount: 6, side: 5)
        let directory = try MNISTDirectory(path: data.path)
        #expect(directory.train.count == 20)
        #expect(directory.test.count == 6)
        #expect(directory.train.pixelsPerImage == 25)
        #expect(directory.train.fingerprint != directory.test.fingerprint)
    }

    @Test func reportsAMissingFileByName() throws {
        let data = try SyntheticDataset(trainCount: 4, testCount: 2, side: 4)
        try FileManager.default.removeItem(at: data.directory.appendingPathComponent("t10k-images-idx3-ubyte.gz"))
        #expect(throws: DatasetError.missing(directory: data.path, expected: "t10k-images-idx3-ubyte")) {
            try MNISTDirectory(path: data.path)
        }
    }

    /// A VAE needs no labels: a directory of images alone loads.
    @Test func loadsADirectoryWithoutLabels() throws {
        let data = try SyntheticDataset(trainCount: 4, testCount: 2, side: 4)
        for name in ["train-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte.gz"] {
            try FileManager.default.removeItem(at: data.directory.appendingPathComponent(name))
        }
        let directory = try MNISTDirectory(path: data.path)
        #expect(directory.train.labels == nil && directory.test.labels == nil)
        #expect(directory.train.samples.count == 4 && directory.train.samples.features == 16)
        #expect(directory.train.samples.source == data.path + "/train-images-idx3-ubyte.gz")
    }

    @Test func reportsImagesAndLabelsThatDisagree() throws {
        let data = try SyntheticDataset(trainCount: 4, testCount: 2, side: 4)
        try data.write(IDXWriter.bytes(dimensions: [3], elements: [1, 2, 3]), name: "train-labels-idx1-ubyte", gzip: true)
        #expect(throws: DatasetError.countMismatch(
            images: data.path + "/train-images-idx3-ubyte.gz", imageCount: 4,
            labels: data.path + "/train-labels-idx1-ubyte.gz", labelCount: 3)) {
            try MNISTDirectory(path: data.path)
        }
    }

    @Test func reportsATestSetOfAnotherImageSize() throws {
        let data = try SyntheticDataset(trainCount: 4, testCount: 2, side: 4)
        try data.write(IDXWriter.bytes(dimensions: [2, 5, 5], elements: [UInt8](repeating: 0, count: 50)),
                       name: "t10k-images-idx3-ubyte", gzip: true)
        #expect(throws: DatasetError.imageSizeMismatch(path: data.path + "/t10k-images-idx3-ubyte.gz", rows: 5, columns: 5,
                                                       expectedRows: 4, expectedColumns: 4)) {
            try MNISTDirectory(path: data.path)
        }
    }

    @Test func reportsAMissingDirectory() {
        #expect(throws: DatasetError.unreadable(path: "/nonexistent/data", reason: "no such directory")) {
            try MNISTDirectory(path: "/nonexistent/data")
        }
    }
}
