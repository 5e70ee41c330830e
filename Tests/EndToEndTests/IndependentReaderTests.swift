import Foundation
import Testing
import TestSupport
@testable import Training
@testable import Evaluation

extension ProcessTests {
    /// Files vae-dist writes, read back by code that shares nothing with it:
    /// small Python readers written from the PNG and safetensors specifications.
    @Suite struct IndependentReaderTests {
        /// The PNG reader is shared with the Dataset tests (see ``PythonPNGReader``).
        static let pngReader = PythonPNGReader.script

        static let safetensorsReader = #"""
        import array, json, struct, sys, zlib
        data = open(sys.argv[1], "rb").read()
        n, = struct.unpack("<Q", data[:8])
        header = json.loads(data[8:8 + n])
        body = data[8 + n:]
        meta = header.pop("__metadata__")
        end = 0
        for name, entry in sorted(header.items(), key=lambda item: item[1]["data_offsets"][0]):
            begin, stop = entry["data_offsets"]
            assert begin == end, "gap or overlap before " + name
            assert entry["dtype"] == "F32"
            count = 1
            for size in entry["shape"]:
                count *= size
            assert stop - begin == 4 * count, "size of " + name
            values = array.array("f", body[begin:stop])
            assert all(v == v for v in values), "NaN in " + name
            end = stop
        assert end == len(body), "trailing data"
        if "data_crc32" in meta:
            assert "%08x" % zlib.crc32(body) == meta["data_crc32"], "checksum"
        if "content_crc32" in meta:
            canonical = b"".join(struct.pack("<Q", len(b)) + b for k in sorted(meta, key=str.encode)
                                 if k != "content_crc32" for b in (k.encode(), meta[k].encode()))
            assert "%08x" % zlib.crc32(body, zlib.crc32(canonical)) == meta["content_crc32"], "checksum"
            print("content_crc32 ok")
        for name in sorted(header):
            print(name, "x".join(str(s) for s in header[name]["shape"]))
        if "step" in meta:
            print("step", meta["step"], "world_size", meta["world_size"])
        """#

        func python(_ script: String, _ file: String) -> CommandResult {
            Command.execute("/usr/bin/env", ["python3", "-c", script, file], timeout: 60)
        }

        @Test func pngDecodesToTheExpectedSizeAndPixels() throws {
            let tiles: [[Float]] = [[0, 0.5, 1, 0.25], [1, 1, 0, 0]]
            let image = GridImage.grid(tiles: tiles, tileWidth: 2, tileHeight: 2, columns: 2)
            let file = try TemporaryDirectory.make(prefix: "png").appendingPathComponent("grid.png")
            try Data(try image.pngData()).write(to: file)
            let result = python(Self.pngReader, file.path)
            expectSuccess(result)
            let lines = result.output.split(separator: "\n")
            #expect(lines.first == "7 4")
            let pixels = lines.dropFirst().first?.split(separator: " ").compactMap { UInt8($0) }
            #expect(pixels == image.pixels)
            // First tile's top row: 0 and 0.5·255 rounded, after a 1-pixel gap.
            #expect(Array(pixels?[8...9] ?? []) == [0, 128])
        }

        @Test func checkpointIsReadableSafetensorsWithPyTorchNames() throws {
            let run = try SmallRun()
            expectSuccess(run.train(ranks: 2, ["--max-steps", "3", "--hidden", "16,8"]))
            let result = python(Self.safetensorsReader, run.out.appendingPathComponent("checkpoint-000000003.safetensors").path)
            expectSuccess(result)
            // Flat Adam state: (64·16+16) + (16·8+8) + 2·(8·4+4) + (4·8+8) + (8·16+16) + (16·64+64) = 2520.
            let expected = """
                content_crc32 ok
                decoder.0.bias 8
                decoder.0.weight 8x4
                decoder.2.bias 16
                decoder.2.weight 16x8
                decoder.4.bias 64
                decoder.4.weight 64x16
                encoder.0.bias 16
                encoder.0.weight 16x64
                encoder.2.bias 8
                encoder.2.weight 8x16
                fc_logvar.bias 4
                fc_logvar.weight 4x8
                fc_mu.bias 4
                fc_mu.weight 4x8
                optimizer.exp_avg 2520
                optimizer.exp_avg_sq 2520
                step 3 world_size 2

                """
            #expect(result.output == expected)
        }

        @Test func trainingImagesArePNGsOfTheRightSize() throws {
            let run = try SmallRun()
            expectSuccess(run.train(ranks: 2, ["--epochs", "1", "--images-every", "1"]))
            for (name, size) in [("samples.png", "73 73"), ("recon.png", "73 73")] {
                let result = python(Self.pngReader, run.out.appendingPathComponent(name).path)
                expectSuccess(result)
                #expect(result.output.split(separator: "\n").first.map(String.init) == size, "\(name)")
            }
        }
    }
}
