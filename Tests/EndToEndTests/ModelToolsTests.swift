import Foundation
import Testing
import TestSupport
@testable import Training
@testable import Checkpoints
@testable import RunDirectory
@testable import Evaluation

extension ProcessTests {
    /// eval, sample, reconstruct, manifold, inspect, export and --init, run
    /// from the command line on small trained models.
    @Suite struct ModelToolsTests {
        func trained(_ extra: [String] = []) throws -> (SmallRun, String) {
            let run = try SmallRun()
            expectSuccess(run.train(ranks: 2, ["--epochs", "3"] + extra))
            return (run, run.out.appendingPathComponent("checkpoint-000000024.safetensors").path)
        }

        func evalJSON(_ run: SmallRun, _ checkpoint: String, ranks: Int, samples: Int) throws -> [String: Any] {
            let arguments = ["eval", checkpoint, "--data", run.data.path, "--iw", String(samples), "--json"]
            let result = ranks == 1 ? Command.run(arguments) : Command.mpirun(ranks, arguments)
            expectSuccess(result)
            let line = try #require(result.output.split(separator: "\n").first { $0.hasPrefix("{") })
            return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }

        /// The IWAE bound tightens with K and beats the ELBO; np = 1 and 2 agree.
        @Test func evalBoundsTheLikelihoodAndAgreesAcrossRankCounts() throws {
            let (run, checkpoint) = try trained()
            var bounds = [Int: Double]()
            for samples in [1, 10, 100] {
                let one = try evalJSON(run, checkpoint, ranks: 1, samples: samples)
                let two = try evalJSON(run, checkpoint, ranks: 2, samples: samples)
                let a = try #require(one["iwae_nll"] as? Double), b = try #require(two["iwae_nll"] as? Double)
                #expect(abs(a - b) <= 1e-6 * abs(a), "K=\(samples): np=1 \(a) vs np=2 \(b)")
                let elboOne = try #require(one["neg_elbo"] as? Double), elboTwo = try #require(two["neg_elbo"] as? Double)
                #expect(abs(elboOne - elboTwo) <= 1e-6 * abs(elboOne))
                #expect(one["test_images"] as? Int == 64 && two["world_size"] as? Int == 2)
                bounds[samples] = a
            }
            let negativeELBO = try #require(try evalJSON(run, checkpoint, ranks: 1, samples: 0)["neg_elbo"] as? Double)
            let k1 = try #require(bounds[1]), k10 = try #require(bounds[10]), k100 = try #require(bounds[100])
            #expect(k100 <= k10 && k10 <= k1, "the bound must tighten with K: \(k1), \(k10), \(k100)")
            #expect(k100 < negativeELBO, "IWAE with 100 samples must beat the ELBO: \(k100) vs \(negativeELBO)")
            #expect(abs(k1 - negativeELBO) < 0.05 * negativeELBO, "K=1 estimates the ELBO: \(k1) vs \(negativeELBO)")
        }

        @Test func picturesArePNGGridsOfTheExpectedSize() throws {
            let (run, checkpoint) = try trained(["--latent", "2"])
            let directory = try TemporaryDirectory.make(prefix: "pictures")
            let cases: [([String], String, String)] = [
                (["sample", checkpoint, "--count", "6", "--columns", "3"], "samples.png", "28 19"),
                (["reconstruct", checkpoint, "--data", run.data.path, "--count", "4"], "recon.png", "37 19"),
                (["manifold", checkpoint, "--data", run.data.path, "--steps", "5"], "manifold.png", "46 46"),
            ]
            for (arguments, name, size) in cases {
                let path = directory.appendingPathComponent(name).path
                expectSuccess(Command.run(arguments + ["--out", path]))
                let decoded = Command.execute("/usr/bin/env", ["python3", "-c", IndependentReaderTests.pngReader, path], timeout: 60)
                expectSuccess(decoded)
                #expect(decoded.output.split(separator: "\n").first.map(String.init) == size, "\(name)")
            }
        }

        @Test func exportThenInitStartsFromExactlyTheSameWeights() throws {
            let (run, checkpoint) = try trained()
            let exported = run.out.appendingPathComponent("model.safetensors").path
            expectSuccess(Command.run(["export", checkpoint, "--out", exported]))
            let reader = Command.execute("/usr/bin/env", ["python3", "-c", IndependentReaderTests.safetensorsReader, exported], timeout: 60)
            expectSuccess(reader)
            #expect(reader.output.contains("encoder.0.weight 16x64") && !reader.output.contains("optimizer"))

            // One step at a learning rate far below any weight's precision leaves the weights as loaded.
            let fresh = try SmallRun(data: run.data)
            expectSuccess(fresh.train(ranks: 2, ["--init", exported, "--max-steps", "1", "--lr", "1e-30"]))
            #expect(try fresh.checkpoint(step: 1).parameters.array == CheckpointDirectory.load(checkpoint).parameters.array)
        }

        @Test func initWithAnotherShapeNamesTheTensor() throws {
            let (run, checkpoint) = try trained()
            let exported = run.out.appendingPathComponent("model.safetensors").path
            expectSuccess(Command.run(["export", checkpoint, "--out", exported]))
            let result = try SmallRun(data: run.data).train(ranks: 2, ["--init", exported, "--hidden", "32"])
            #expect(result.status == 1)
            #expect(result.error.contains("tensor encoder.0.weight is [16, 64], a 64-32-4 VAE needs [32, 64]"), "\(result.error)")
        }

        @Test func inspectDescribesACheckpointAndFlagsDamage() throws {
            let (_, checkpoint) = try trained()
            let result = Command.run(["inspect", checkpoint, "--json"])
            expectSuccess(result)
            let fields = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
            #expect(fields["architecture"] as? String == "64-16-4" && fields["step"] as? Int == 24)
            #expect(fields["world_size"] as? Int == 2 && fields["checksum"] as? String == "ok" && fields["epoch"] as? Int == 3)
            #expect((fields["metrics"] as? [String: Double])?["test_loss"] != nil)

            var bytes = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
            bytes[bytes.count - 3] ^= 0x01
            try bytes.write(to: URL(fileURLWithPath: checkpoint))
            let damaged = Command.run(["inspect", checkpoint])
            #expect(damaged.status == 1)
            #expect(damaged.output.contains("MISMATCH"))
            #expect(damaged.error.split(separator: "\n").count == 1 && damaged.error.contains("the file is damaged"), "\(damaged.error)")
        }

        /// Commands that work as one process would write the same file from
        /// every rank: under a launcher with more ranks they refuse, once.
        @Test func singleProcessCommandsRefuseToRunOnSeveralRanks() throws {
            let (run, checkpoint) = try trained()
            let directory = try TemporaryDirectory.make(prefix: "alone")
            for arguments in [["sample", checkpoint, "--out", directory.path + "/s.png"], ["inspect", checkpoint],
                              ["export", checkpoint, "--out", directory.path + "/m.safetensors"],
                              ["reconstruct", checkpoint, "--data", run.data.path, "--out", directory.path + "/r.png"]] {
                let result = Command.mpirun(2, arguments, timeout: 60)
                #expect(result.status != 0 && !result.timedOut, "\(arguments[0]): \(result.combined)")
                let lines = result.error.split(separator: "\n").filter { $0.hasPrefix("vae-dist: error:") }
                #expect(lines.count == 1 && lines.first?.contains("runs as one process") == true, "\(arguments[0]): \(result.error)")
                #expect(result.output.isEmpty, "\(arguments[0]) printed: \(result.output)")
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "nothing was written")
        }

        /// Files no checkpoint writer made: each is refused with exit 1 and
        /// exactly one line on stderr, without a trap or a stack dump.
        @Test func inspectRefusesHostileFilesInOneLine() throws {
            let directory = try TemporaryDirectory.make(prefix: "hostile")
            func write(_ name: String, _ bytes: [UInt8]) throws -> String {
                let path = directory.appendingPathComponent(name).path
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                return path
            }
            func header(_ json: String) -> [UInt8] {
                withUnsafeBytes(of: UInt64(json.utf8.count).littleEndian, Array.init) + Array(json.utf8)
            }
            var claim = ["format": Checkpoint.formatName, "format_version": "2", "input_size": "1000000000",
                         "hidden": "1000000000,1000000000", "latent": "2", "architecture": "1000000000-1000000000-1000000000-2"]
            claim["content_crc32"] = CheckpointChecksum.value(version: 2, metadata: claim, data: [])
            let png = try GridImage.grid(tiles: [[0, 1, 1, 0]], tileWidth: 2, tileHeight: 2, columns: 1).pngData()
            let cases: [(String, [UInt8], String)] = [
                ("overflow.safetensors", header(#"{"encoder.0.weight":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#),
                 "more elements than memory can hold"),
                ("huge.safetensors", SafeTensors.encode([], metadata: claim), "cannot fit in the file's 0 bytes"),
                ("picture.safetensors", png, "not a safetensors file"),
                ("empty.safetensors", [], "the file is empty, not a safetensors file"),
            ]
            for (name, bytes, reason) in cases {
                let path = try write(name, bytes)
                let result = Command.run(["inspect", path])
                #expect(result.status == 1 && !result.timedOut, "\(name): exit \(result.status)")
                let lines = result.error.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
                #expect(lines.count == 1 && result.error.hasSuffix("\n"), "\(name): \(result.error)")
                #expect(result.error.hasPrefix("vae-dist: error: \(path): ") && result.error.contains(reason), "\(name): \(result.error)")
                #expect(result.output.isEmpty, "\(name): \(result.output)")
            }
        }

        @Test func batchLogsGetAProgressLineEveryNSteps() throws {
            let result = try SmallRun().train(ranks: 2, ["--epochs", "1", "--log-every", "3"])
            expectSuccess(result)
            let lines = result.output.split(separator: "\n").filter { $0.contains(" step ") && $0.contains("samples/s  loss") }
            // Each line: its UTC time, then the progress.
            let stamps = lines.compactMap { $0.split(separator: " ").first.map(String.init) }
            #expect(stamps.count == 2 && stamps.allSatisfy { ISO8601DateFormatter.fractional.date(from: $0) != nil }, "\(lines)")
            #expect(lines.map { $0.drop { $0 != " " }.drop { $0 == " " }.prefix(16) } == ["epoch 1/1 step 3", "epoch 1/1 step 6"],
                    "\(result.output)")
        }
    }
}

extension ISO8601DateFormatter {
    /// `2026-11-28T22:44:51.093Z`, as vae-dist writes times.
    static var fractional: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
