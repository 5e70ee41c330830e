import Foundation
import Testing
import TestSupport
import VAE
@testable import Training
@testable import RunDirectory
@testable import Evaluation

@Suite struct MetricsLogTests {
    func metrics(epoch: Int, step: Int) -> EpochMetrics {
        EpochMetrics(epoch: epoch, step: step, worldSize: 2, gradientSync: "sharded", train: LossTerms(loss: 1, reconstruction: 0.75, kl: 0.25),
                     test: LossTerms(loss: 2, reconstruction: 1.5, kl: 0.5), samplesPerSecond: 100,
                     epochSeconds: 1.5, trainSeconds: 1.25, gemmSeconds: 0.75, allreduceSeconds: 0.25, skippedSteps: 0,
                     peakResidentMegabytes: 80)
    }

    @Test func linesAreJSONWithTheDocumentedKeys() throws {
        let line = metrics(epoch: 3, step: 30).jsonLine
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(Set(object.keys).isSuperset(of: ["epoch", "step", "world_size", "train_loss", "train_recon", "train_kl",
                                                  "test_loss", "test_recon", "test_kl", "samples_per_sec",
                                                  "epoch_seconds", "allreduce_seconds", "train_seconds", "gemm_seconds", "peak_rss_mb",
                                                  "gradient_sync"]))
        #expect(object["test_recon"] as? Double == 1.5)
        #expect(object["gradient_sync"] as? String == "sharded")
    }

    @Test func truncationDropsEpochsAfterTheResumedStep() throws {
        let directory = try TemporaryDirectory.make(prefix: "metrics")
        let log = MetricsLog(path: directory.path + "/metrics.jsonl")
        for epoch in 1...3 { try log.append(metrics(epoch: epoch, step: epoch * 10)) }
        try log.truncate(afterStep: 20)
        let lines = try String(contentsOfFile: log.path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.last?.contains("\"step\":20,") == true)
    }
}

@Suite struct GridImageTests {
    @Test func gridPlacesTilesWithOnePixelGaps() {
        let image = GridImage.grid(tiles: [[0, 1, 1, 0], [0.5, 0.5, 0.5, 0.5], [1, 1, 1, 1]], tileWidth: 2, tileHeight: 2, columns: 2)
        #expect(image.width == 7 && image.height == 7)
        #expect(image.pixels[1 * 7 + 1] == 0 && image.pixels[1 * 7 + 2] == 255)
        #expect(image.pixels[1 * 7 + 4] == 128, "second tile starts after a 1-pixel gap")
        #expect(image.pixels[4 * 7 + 1] == 255, "third tile is on the second row")
        #expect(image.pixels[0] == 128 && image.pixels[3] == 128, "gaps are mid-gray")
    }

    @Test func rgbGridKeepsChannelsInterleaved() {
        let red: [Float] = [1, 0, 0, 1, 0, 0]
        let image = GridImage.grid(tiles: [red, [0, 0, 1, 0, 0, 1]], tileWidth: 2, tileHeight: 1, channels: 3, columns: 2)
        #expect(image.width == 7 && image.height == 3 && image.channels == 3 && image.pixels.count == 7 * 3 * 3)
        let row = Array(image.pixels[(7 * 3)..<(2 * 7 * 3)])
        #expect(row == [128, 128, 128, 255, 0, 0, 255, 0, 0, 128, 128, 128, 0, 0, 255, 0, 0, 255, 128, 128, 128])
    }
}
