import Foundation
import PNG
import SwiftProtobuf
import SystemIO
import Testing
@testable import TensorBoard

/// What the writer puts in its file, read back with our own reader.
struct EventFileWriterTests {
    @Test func namesTheFileAsTensorBoardDoes() throws {
        let directory = temporaryDirectory("name")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try EventFileWriter(directory: directory + "/nested/run", firstStep: 0)
        try writer.close()
        let name = String(writer.path.split(separator: "/").last ?? "")
        let fields = name.split(separator: ".", omittingEmptySubsequences: false)
        #expect(writer.path.hasPrefix(directory + "/nested/run/events.out.tfevents."))
        let seconds = Int(fields[3]) ?? 0
        #expect(fields[3].count == 10 && abs(seconds - Int(Date().timeIntervalSince1970)) < 60, "\(name)")
        #expect(name.hasSuffix(".\(ProcessIdentity.hostName).\(ProcessIdentity.processID).\(fields.last ?? "")"))
        #expect(Int(fields.last ?? "") != nil, "\(name)")
    }

    @Test func startsWithTheFileVersionAndASessionStart() throws {
        let directory = temporaryDirectory("start")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let before = Date().timeIntervalSince1970
        let writer = try EventFileWriter(directory: directory, firstStep: 41)
        // Written and flushed by the initializer, before any close.
        let written = try events(in: writer.path)
        #expect(written.count == 2)
        #expect(written[0].fileVersion == "brain.Event:2")
        #expect(written[0].wallTime >= before - 1 && written[0].wallTime <= Date().timeIntervalSince1970 + 1)
        #expect(written[1].sessionLog.status == .start && written[1].step == 41)
        try writer.close()
    }

    @Test func writesScalarsImagesAndRestarts() throws {
        let directory = temporaryDirectory("content")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let png = try PNGImage(width: 3, height: 2, channels: 1, pixels: [0, 50, 100, 150, 200, 250]).encoded()
        let writer = try EventFileWriter(directory: directory, firstStep: 0)
        try writer.addScalar(tag: "loss", value: 1.5, step: 1, wallTime: 1000.25)
        try writer.addScalar(tag: "lr", value: Float(0.001), step: 1, wallTime: 1000.5)
        try writer.addScalars(["test/recon": 2.0, "test/kl": -3.0], step: 2, wallTime: 1001)
        try writer.addImage(tag: "samples", png: png, width: 3, height: 2, channels: 1, step: 2, wallTime: 1002)
        try writer.markRestart(step: 2, wallTime: 1003)
        try writer.close()

        let written = try events(in: writer.path).dropFirst(2).map { $0 }
        #expect(written.count == 5)
        #expect(written[0].wallTime == 1000.25 && written[0].step == 1)
        #expect(written[0].summary.value.map(\.tag) == ["loss"] && written[0].summary.value[0].simpleValue == 1.5)
        #expect(written[1].summary.value[0].simpleValue == Float(0.001))
        #expect(written[2].summary.value.map(\.tag) == ["test/recon", "test/kl"])
        #expect(written[2].summary.value.map(\.simpleValue) == [2, -3])
        let image = written[3].summary.value[0].image
        #expect(written[3].summary.value[0].tag == "samples" && written[3].step == 2)
        #expect(image.width == 3 && image.height == 2 && image.colorspace == 1)
        #expect([UInt8](image.encodedImageString) == png)
        #expect(written[4].sessionLog.status == .start && written[4].step == 2 && written[4].wallTime == 1003)
    }

    @Test func rgbImagesAreColorspaceThree() throws {
        let directory = temporaryDirectory("rgb")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let png = try PNGImage(width: 2, height: 1, channels: 3, pixels: [255, 0, 0, 0, 0, 255]).encoded()
        let writer = try EventFileWriter(directory: directory, firstStep: 0)
        try writer.addImage(tag: "recon", png: png, width: 2, height: 1, channels: 3, step: 7)
        try writer.close()
        let image = try events(in: writer.path)[2].summary.value[0].image
        #expect(image.colorspace == 3 && image.width == 2 && image.height == 1)
    }

    /// A resumed run gets a file of its own, named to be read after the
    /// earlier one even when both are created within the same second.
    @Test func eachWriterCreatesANewFileThatSortsLast() throws {
        let directory = temporaryDirectory("order")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A file from "the future": the next writers must still sort after it.
        let future = Int(Date().timeIntervalSince1970) + 1000
        try Files.createDirectory(directory)
        let foreign = "\(directory)/events.out.tfevents.\(future).otherhost.1.0"
        try Files.writeAtomically(Array("not ours".utf8), to: foreign)
        var paths = [String]()
        for step in 0..<12 {
            let writer = try EventFileWriter(directory: directory, firstStep: step)
            try writer.addScalar(tag: "x", value: Double(step), step: step)
            try writer.close()
            paths.append(writer.path)
        }
        #expect(try eventFiles(in: directory) == [foreign] + paths)
        #expect(try Files.read(foreign) == Array("not ours".utf8))
        for (step, path) in paths.enumerated() {
            #expect(try events(in: path).last?.summary.value.first?.simpleValue == Float(step))
        }
    }

    /// Records wait in memory until a flush, which writes them whole.
    @Test func flushWritesWholeRecords() throws {
        let directory = temporaryDirectory("flush")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try EventFileWriter(directory: directory, firstStep: 0)
        let afterStart = try Files.read(writer.path).count
        try writer.addScalar(tag: "loss", value: 1, step: 1)
        #expect(try Files.read(writer.path).count == afterStart)
        try writer.flush()
        #expect(try events(in: writer.path).count == 3)
        // Past the buffer's threshold (256 KiB) the pending records are
        // appended without a flush, all of them and whole.
        let noise = (0..<256 * 256 * 3).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
        let png = try PNGImage(width: 256, height: 256, channels: 3, pixels: noise).encoded()
        let flushed = try Files.read(writer.path).count
        var added = 0
        while try Files.read(writer.path).count == flushed {
            try writer.addImage(tag: "big", png: png, width: 256, height: 256, channels: 3, step: 2 + added)
            added += 1
            try #require(added < 100, "no append after \(added) images of \(png.count) bytes")
        }
        #expect(added > 1)
        #expect(try events(in: writer.path).count == 3 + added)
        try writer.close()
        #expect(try events(in: writer.path).count == 3 + added)
    }

    @Test func refusesBadTagsAndImages() throws {
        let directory = temporaryDirectory("refuse")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let png = try PNGImage(width: 3, height: 2, channels: 1, pixels: [UInt8](repeating: 9, count: 6)).encoded()
        let writer = try EventFileWriter(directory: directory, firstStep: 0)
        func refusal(_ body: () throws(TensorBoardError) -> Void) -> String {
            do {
                try body()
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(refusal { () throws(TensorBoardError) in try writer.addScalar(tag: "", value: 1, step: 0) }
            == "\(writer.path): tag \"\": is empty")
        #expect(refusal { () throws(TensorBoardError) in try writer.addScalars(["a": 1, "a": 2], step: 0) }
            == "\(writer.path): tag \"a\": appears twice in one event")
        #expect(refusal { () throws(TensorBoardError) in
            try writer.addImage(tag: "i", png: Array(png.dropFirst()), width: 3, height: 2, channels: 1, step: 0)
        } == "\(writer.path): image \"i\": does not start with the PNG signature")
        #expect(refusal { () throws(TensorBoardError) in
            try writer.addImage(tag: "i", png: png, width: 2, height: 3, channels: 1, step: 0)
        } == "\(writer.path): image \"i\": the PNG is 3x2, not 2x3")
        #expect(refusal { () throws(TensorBoardError) in
            try writer.addImage(tag: "i", png: png, width: 3, height: 2, channels: 3, step: 0)
        } == "\(writer.path): image \"i\": 3 channel(s) do not match PNG colour type 0")
        try writer.close()
        #expect(try events(in: writer.path).count == 2)
        #expect(refusal { () throws(TensorBoardError) in try writer.addScalar(tag: "x", value: 1, step: 0) }
            == "\(writer.path): the event file is already closed")
        try writer.close()
    }

    @Test func namesTheDirectoryItCannotCreate() throws {
        let directory = temporaryDirectory("unwritable")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Files.writeAtomically([1], to: directory)
        do {
            _ = try EventFileWriter(directory: directory + "/run", firstStep: 0)
            Issue.record("a writer under a regular file")
        } catch {
            #expect(error.description.hasPrefix(directory + "/run: "), "\(error)")
        }
    }

    @Test func fileNameSecondsComeAfterExistingFiles() {
        let names = ["events.out.tfevents.0000000100.h.1.0", "events.out.tfevents.0000000300.h.1.1.v2", "other", "events.out.tfevents.x"]
        #expect(EventFileName.seconds(now: 200, existingNames: names) == 301)
        #expect(EventFileName.seconds(now: 500, existingNames: names) == 500)
        #expect(EventFileName.seconds(now: 50, existingNames: []) == 50)
        #expect(EventFileName(seconds: 42, hostName: "a/b", processID: 7, sequence: 3).text
            == "events.out.tfevents.0000000042.a_b.7.3")
    }
}
