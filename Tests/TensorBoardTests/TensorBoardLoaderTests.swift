import Foundation
import PNG
import Testing
import TestSupport
@testable import TensorBoard

/// Our event files as TensorBoard itself reads them (see ``TensorBoardLoader``).
@Suite(.serialized)
struct TensorBoardLoaderTests {
    @Test func scalarsAndImagesReadByTensorBoard() throws {
        let directory = temporaryDirectory("loader")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let grey = try PNGImage(width: 5, height: 3, channels: 1, pixels: (0..<15).map { UInt8($0 * 17) }).encoded()
        let rgb = try PNGImage(width: 4, height: 6, channels: 3, pixels: (0..<72).map { UInt8($0 * 3) }).encoded()
        let writer = try EventFileWriter(directory: directory, firstStep: 0)
        for step in 1...5 {
            try writer.addScalar(tag: "train/loss", value: 300.0 / Double(step), step: step)
            try writer.addScalars(["test/recon": Double(step) + 0.125, "test/kl": -Double(step)], step: step)
        }
        try writer.addScalar(tag: "lr", value: Float(1e-3), step: 5)
        try writer.addImage(tag: "samples", png: grey, width: 5, height: 3, channels: 1, step: 2)
        try writer.addImage(tag: "samples", png: grey, width: 5, height: 3, channels: 1, step: 4)
        try writer.addImage(tag: "recon", png: rgb, width: 4, height: 6, channels: 3, step: 4)
        try writer.close()

        let reading = try TensorBoardLoader.read(directory)
        #expect(reading.pythonMaskedCRC == CRC32C.masked(Array("123456789".utf8)))
        #expect(reading.recordsPerFile == [2 + 5 * 2 + 1 + 3])
        for run in [reading.classic, reading.plugin] {
            #expect(Set(run.scalars.keys) == ["train/loss", "test/recon", "test/kl", "lr"])
            #expect(run.scalars["train/loss"]?.map(\.step) == [1, 2, 3, 4, 5])
            #expect(run.scalars["train/loss"]?.map { Float($0.value) } == (1...5).map { Float(300.0 / Double($0)) })
            #expect(run.scalars["test/recon"]?.map(\.value) == [1.125, 2.125, 3.125, 4.125, 5.125])
            #expect(run.scalars["test/kl"]?.map(\.value) == [-1, -2, -3, -4, -5])
            #expect(run.scalars["lr"]?.map { Float($0.value) } == [Float(1e-3)])
            #expect(run.images["samples"]?.map(\.step) == [2, 4])
            #expect(run.images["samples"]?.allSatisfy { $0.width == 5 && $0.height == 3 && $0.decoded == [5, 3, 1] } == true)
            #expect(run.images["recon"]?.map(\.step) == [4])
            #expect(run.images["recon"]?.first.map { [$0.width, $0.height] + $0.decoded } == [4, 6, 4, 6, 3])
        }
    }

    /// An interrupted run wrote steps 1-10; the run resumed from its step-6
    /// checkpoint starts at step 7, and later goes back once more in-process
    /// (``EventFileWriter/markRestart(step:)`` at 11). TensorBoard must show
    /// each step once, from the run that counts.
    @Test func restartHidesTheInterruptedRunsLaterSteps() throws {
        let directory = temporaryDirectory("restart")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let png = try PNGImage(width: 2, height: 2, channels: 1, pixels: [0, 64, 128, 255]).encoded()

        let interrupted = try EventFileWriter(directory: directory, firstStep: 0)
        for step in 1...10 {
            try interrupted.addScalar(tag: "loss", value: Double(step), step: step)
        }
        try interrupted.addScalar(tag: "only/old", value: 3, step: 3)
        try interrupted.addScalar(tag: "only/old", value: 8, step: 8)
        try interrupted.addImage(tag: "samples", png: png, width: 2, height: 2, channels: 1, step: 5)
        try interrupted.addImage(tag: "samples", png: png, width: 2, height: 2, channels: 1, step: 9)
        try interrupted.flush()  // and then the process died, leaving the file as it was

        let resumed = try EventFileWriter(directory: directory, firstStep: 7)
        for step in 7...12 {
            try resumed.addScalar(tag: "loss", value: Double(100 + step), step: step)
        }
        try resumed.markRestart(step: 11)
        try resumed.addScalar(tag: "loss", value: 999, step: 11)
        try resumed.close()
        try interrupted.close()
        #expect(try eventFiles(in: directory) == [interrupted.path, resumed.path])

        let reading = try TensorBoardLoader.read(directory)
        for (name, run) in [("event_accumulator", reading.classic), ("plugin_event_accumulator", reading.plugin)] {
            let loss = run.scalars["loss"] ?? []
            #expect(loss.map(\.step) == Array(1...11), "\(name)")
            #expect(loss.map(\.value) == [1, 2, 3, 4, 5, 6, 107, 108, 109, 110, 999], "\(name)")
            #expect(run.scalars["only/old"]?.map(\.step) == [3], "\(name)")
            #expect(run.images["samples"]?.map(\.step) == [5], "\(name)")
        }
    }
}
