import Dataset
import Foundation
import Testing
import TestSupport
@testable import Training
@testable import RunDirectory
@testable import TrainingInput

/// Runs `python3 -c script args…` (NumPy writes and checks the arrays) and
/// returns its standard output.
@discardableResult
func python(_ script: String, _ arguments: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) -> String {
    let result = Command.execute("/usr/bin/env", ["python3", "-c", script] + arguments, timeout: 180)
    #expect(result.status == 0, "python3 failed: \(result.error)", sourceLocation: sourceLocation)
    return result.output
}

extension ProcessTests {
    /// Training and the model commands on the user's own data: `.npy` files
    /// written by NumPy, PNG folders, held-out rows, normalization, other
    /// likelihoods, latents out; and every bad input refused in one line.
    @Suite struct OwnDataTests {
        let directory: URL

        init() throws {
            directory = try TemporaryDirectory.make(prefix: "own-data")
        }

        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        /// 600 rows of 12 real-valued features with structure a VAE can learn.
        func vectorData() -> String {
            python("""
                import numpy as np, sys
                rng = np.random.default_rng(7)
                z = rng.normal(size=(600, 3))
                x = z @ rng.normal(size=(3, 12)) * 4 + 50 + 0.1 * rng.normal(size=(600, 12))
                np.save(sys.argv[1], x.astype(np.float64))
                """, [path("vectors.npy")])
            return path("vectors.npy")
        }

        func train(_ ranks: Int, _ arguments: [String], out: String) -> CommandResult {
            let all = ["train", "--out", out, "--hidden", "16", "--latent", "3", "--batch-size", "40", "--images-every", "0",
                       "--seed", "5"] + arguments
            return ranks == 0 ? Command.run(all) : Command.mpirun(ranks, all)
        }

        /// The tolerance test of the default data, on a `.npy` of float64
        /// vectors with the Gaussian decoder and standardized features; the
        /// statistics in the checkpoint are NumPy's mean and deviation.
        @Test func gaussianOnStandardizedVectorsMatchesAcrossRankCountsAndNumPysStatistics() throws {
            let data = vectorData()
            let arguments = ["--data", data, "--recon", "gaussian", "--normalize", "standard", "--holdout", "0.1",
                             "--max-steps", "20", "--epochs", "5"]
            expectSuccess(train(0, arguments, out: path("one")))
            expectSuccess(train(2, arguments, out: path("two")))
            let one = try CheckpointDirectory.load(path("one/checkpoint-000000020.safetensors"))
            let two = try CheckpointDirectory.load(path("two/checkpoint-000000020.safetensors"))
            #expect(one.architecture.hasDecoderLogVariance && one.architecture.description == "12-16-3+logvar")
            #expect(relativeDifference(one.parameters.array, two.parameters.array) <= 1e-4)
            #expect(one.input.normalization == two.input.normalization, "the distributed statistics do not depend on the ranks")
            #expect(one.input.element == .float64 && one.input.shape.image == nil)
            let rows = one.input.normalization
            // NumPy's statistics of the training rows (the rows the holdout leaves, picked by the same rule).
            let exact = python("""
                import numpy as np, sys, json
                x = np.load(sys.argv[1]).astype(np.float32).astype(np.float64)
                train = [int(i) for i in json.loads(sys.argv[2])]
                t = x[train]
                print(" ".join(repr(float(v)) for v in np.concatenate([t.mean(0), t.std(0)])))
                """, [data, "[" + trainRows(count: 600, fraction: 0.1).map(String.init).joined(separator: ",") + "]"])
                .split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            for feature in 0..<12 {
                #expect(abs(Double(rows.shift[feature]) - exact[feature]) <= 1e-5 * abs(exact[feature]), "mean of feature \(feature)")
                #expect(abs(1 / Double(rows.scale[feature]) - exact[12 + feature]) <= 1e-5 * exact[12 + feature], "deviation of feature \(feature)")
            }
            let metrics = try #require(try? String(contentsOfFile: path("one/metrics.jsonl"), encoding: .utf8))
            #expect(metrics.contains("\"test_loss\":"), "a held-out set gives test metrics")
        }

        /// The training rows a `--holdout` split leaves, as `TrainingData.split` picks them.
        func trainRows(count: Int, fraction: Double) -> [Int] {
            let samples = SampleMatrix(bytes: [UInt8](repeating: 0, count: count), count: count,
                                               shape: .init(features: 1), element: .uint8, source: "rows")
            let input = DataInput(path: "rows", samples: samples, labels: nil, test: nil, kind: "test")
            guard let (train, _) = try? TrainingData.split(input, fraction: fraction, seed: TrainingDefaults.holdoutSeed,
                                                           worldSize: 1) else { return [] }
            return (0..<train.count).map { train.matrixRow($0) }
        }

        /// encode on 1, 2 and 4 ranks: rows in input order, the same values
        /// within tolerance, equal to μ recomputed from the checkpoint's
        /// tensors by NumPy; decode and sample write the documented shapes.
        @Test func encodeAgreesAcrossRankCountsAndWithARecomputationFromTheCheckpoint() throws {
            let data = vectorData()
            expectSuccess(train(2, ["--data", data, "--recon", "gaussian", "--normalize", "standard", "--max-steps", "15",
                                    "--epochs", "5"], out: path("run")))
            let checkpoint = path("run/checkpoint-000000015.safetensors")
            var outputs = [String]()
            for ranks in [1, 2, 4] {
                let out = path("z\(ranks).npy")
                let arguments = ["encode", checkpoint, "--data", data, "--out", out, "--with-logvar"]
                expectSuccess(ranks == 1 ? Command.run(arguments) : Command.mpirun(ranks, arguments))
                outputs.append(out)
            }
            let report = python("""
                import numpy as np, sys, json, struct
                a, b, c = (np.load(p) for p in sys.argv[1:4])
                assert a.shape == (600, 6) and a.dtype == np.float32, a.shape
                assert np.abs(a - b).max() <= 1e-4 * np.abs(a).max() and np.abs(a - c).max() <= 1e-4 * np.abs(a).max()
                raw = open(sys.argv[4], "rb").read()
                n = struct.unpack("<Q", raw[:8])[0]
                header = json.loads(raw[8:8 + n]); data = raw[8 + n:]
                def t(name):
                    e = header[name]; s, f = e["data_offsets"]
                    return np.frombuffer(data[s:f], dtype="<f4").reshape(e["shape"]).astype(np.float64)
                x = (np.load(sys.argv[5]).astype(np.float32).astype(np.float64) - t("data.shift")) * t("data.scale")
                h = np.maximum(x @ t("encoder.0.weight").T + t("encoder.0.bias"), 0)
                mu = h @ t("fc_mu.weight").T + t("fc_mu.bias")
                logvar = h @ t("fc_logvar.weight").T + t("fc_logvar.bias")
                expected = np.concatenate([mu, logvar], axis=1)
                print(float(np.abs(a - expected).max() / np.abs(expected).max()))
                """, outputs + [checkpoint, data])
            let difference = try #require(Double(report.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(difference <= 1e-4, "encode differs from NumPy's recomputation by \(difference)")

            // decode: codes (the μ columns) back to rows of the data's shape and units.
            python("import numpy as np, sys; np.save(sys.argv[2], np.load(sys.argv[1])[:, :3])", [outputs[0], path("mu.npy")])
            expectSuccess(Command.run(["decode", checkpoint, "--latents", path("mu.npy"), "--out", path("decoded.npy")]))
            expectSuccess(Command.run(["sample", checkpoint, "--count", "7", "--out", path("samples.npy")]))
            expectSuccess(Command.run(["reconstruct", checkpoint, "--data", data, "--count", "5", "--out", path("recon.npy")]))
            let shapes = python("""
                import numpy as np, sys
                d, s, r, x = (np.load(p) for p in sys.argv[1:5])
                # Reconstructions of the data's rows are in its units: close to the data, far from the standardized scale.
                print(d.shape, s.shape, r.shape, d.dtype, bool(np.abs(r - x[:5]).mean() < np.abs(x[:5]).mean() * 0.5))
                """, [path("decoded.npy"), path("samples.npy"), path("recon.npy"), data])
            #expect(shapes.trimmingCharacters(in: .whitespacesAndNewlines) == "(600, 12) (7, 12) (5, 12) float32 True", "\(shapes)")
            // Vector data has no pictures: a PNG is refused with the hint.
            let png = Command.run(["sample", checkpoint, "--out", path("samples.png")])
            #expect(png.status == 1 && png.error.contains("not images; write a .npy instead"), "\(png.error)")
        }

        /// A folder of RGB PNGs: decoded by both ranks into one cache (reused
        /// the second time), trained on, and shown as colour grids that an
        /// independent decoder reads.
        @Test func aFolderOfColourPNGsTrainsAndWritesColourGrids() throws {
            let folder = path("pictures")
            python("""
                import numpy as np, sys, os, zlib, struct
                rng = np.random.default_rng(3)
                def chunk(kind, body):
                    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
                for i in range(64):
                    sub = os.path.join(sys.argv[1], "class%d" % (i % 3)); os.makedirs(sub, exist_ok=True)
                    pixels = (rng.random((6, 5, 3)) * 255).astype(np.uint8)
                    raw = b"".join(b"\\x00" + row.tobytes() for row in pixels)
                    png = b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 5, 6, 8, 2, 0, 0, 0)) \\
                        + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
                    open(os.path.join(sub, "img%03d.png" % i), "wb").write(png)
                open(os.path.join(sys.argv[1], "notes.txt"), "w").write("not an image")
                """, [folder])
            let arguments = ["--data", folder, "--holdout", "0.25", "--epochs", "1", "--batch-size", "8", "--images-every", "1"]
            let first = train(2, arguments, out: path("run"))
            expectSuccess(first)
            #expect(first.combined.contains("decoded into"), "\(first.combined)")
            #expect(first.combined.contains("1 non-PNG file(s) skipped"))
            let second = train(2, arguments + ["--epochs", "2", "--resume", "auto"], out: path("run"))
            expectSuccess(second)
            #expect(second.combined.contains("cache reused"), "\(second.combined)")
            for name in ["samples.png", "recon.png"] {
                let decoded = python(PythonPNGReader.script, [path("run/\(name)")]).split(separator: "\n")
                #expect(decoded.last == "3", "\(name) is RGB")
            }
            let checkpoint = try CheckpointDirectory.load(path("run/checkpoint-000000012.safetensors"))
            #expect(checkpoint.input.shape == SampleShape(height: 6, width: 5, channels: 3))
        }

        /// `--binarize` draws depend on the seed, the epoch and the row only:
        /// deterministic runs on 1 and 2 ranks give the same bits.
        @Test func binarizationDrawsAreTheSameOnAnyRankCount() throws {
            let data = try SyntheticDataset()
            var bits = [[UInt32]]()
            for ranks in [1, 2] {
                let out = path("binary\(ranks)")
                expectSuccess(train(ranks, ["--data", data.path, "--binarize", "--deterministic", "4", "--batch-size", "32",
                                            "--max-steps", "10", "--epochs", "3"], out: out))
                bits.append(try CheckpointDirectory.load(out + "/checkpoint-000000010.safetensors").parameters.array.map(\.bitPattern))
            }
            #expect(bits[0] == bits[1])
            let plain = path("grey")
            expectSuccess(train(1, ["--data", data.path, "--deterministic", "4", "--batch-size", "32", "--max-steps", "10",
                                    "--epochs", "3"], out: plain))
            let grey = try CheckpointDirectory.load(plain + "/checkpoint-000000010.safetensors").parameters.array.map(\.bitPattern)
            #expect(grey != bits[0], "binarization changes what is trained")
        }

        /// A several-GB `.npy` (sparse, written in an instant) trains at np = 2
        /// with each rank's anonymous memory growing only by the epoch order's
        /// 4 bytes per row: 1 GiB and 4 GiB of rows differ by about 12 MiB, not
        /// by gigabytes (measured: 14 and 26 MiB after the first step).
        @Test func aFileOfSeveralGigabytesTrainsWithoutLoadingIt() throws {
            func sparse(_ name: String, rows: Int) -> String {
                python("""
                    import numpy as np, sys
                    rows, features = int(sys.argv[2]), 1024
                    header = np.lib.format.header_data_from_array_1_0(np.zeros((1, features), dtype=np.uint8))
                    header["shape"] = (rows, features)
                    with open(sys.argv[1], "wb") as f:
                        np.lib.format.write_array_header_1_0(f, header)
                        f.truncate(f.tell() + rows * features)
                    """, [path(name), String(rows)])
                return path(name)
            }
            func anonymousMiB(_ data: String) throws -> [Int] {
                let result = train(2, ["--data", data, "--max-steps", "2", "--batch-size", "64", "--verbose"], out: path("run-\(data.hashValue)"))
                expectSuccess(result)
                let values = result.output.split(separator: "\n").filter { $0.contains("resident anonymous memory after the first step") }
                    .compactMap { line in line.split(separator: " ").dropLast().last.flatMap { Int($0) } }
                #expect(values.count == 2, "one line per rank: \(result.output)")
                return values
            }
            let small = try anonymousMiB(sparse("one-gib.npy", rows: 1 << 20))
            let large = try anonymousMiB(sparse("four-gib.npy", rows: 1 << 22))
            for (a, b) in zip(small, large) {
                #expect(b <= 64, "a rank holds \(b) MiB of anonymous memory for a 4 GiB file")
                #expect(b - a <= 24, "3 Mi more rows cost \(b - a) MiB per rank (4 bytes per row is 12)")
            }
            try? FileManager.default.removeItem(atPath: path("four-gib.npy"))
            try? FileManager.default.removeItem(atPath: path("one-gib.npy"))
        }

        /// Every bad input named in one line, a non-zero exit, nothing written.
        @Test func badInputsAreRefusedInOneLine() throws {
            python("""
                import numpy as np, sys, os
                d = sys.argv[1]
                good = np.random.default_rng(1).random((50, 4)).astype(np.float32)
                np.save(d + "/good.npy", good)
                raw = open(d + "/good.npy", "rb").read()
                open(d + "/truncated-body.npy", "wb").write(raw[:-9])
                open(d + "/truncated-header.npy", "wb").write(raw[:30])
                open(d + "/not-numpy.npy", "wb").write(b"hello world, not an array at all" * 4)
                np.save(d + "/objects.npy", np.array([[1, "a"]] * 5, dtype=object), allow_pickle=True)
                np.save(d + "/complex.npy", np.zeros((5, 4), dtype=np.complex64))
                np.save(d + "/int64.npy", np.zeros((5, 4), dtype=np.int64))
                np.save(d + "/big-endian.npy", good.astype(">f4"))
                np.save(d + "/fortran.npy", np.asfortranarray(good))
                np.save(d + "/one-d.npy", np.zeros(10, dtype=np.float32))
                np.save(d + "/zero-rows.npy", np.zeros((0, 4), dtype=np.float32))
                bad = good.copy(); bad[17, 2] = np.nan
                np.save(d + "/nan.npy", bad)
                np.save(d + "/wide.npy", np.random.default_rng(2).random((50, 5)).astype(np.float32))
                np.save(d + "/outside.npy", good * 10 - 3)
                os.makedirs(d + "/empty-folder")
                """, [directory.path])
            let cases: [([String], String)] = [
                (["--data", path("truncated-body.npy")], "truncated-body.npy"),
                (["--data", path("truncated-header.npy")], "truncated-header.npy"),
                (["--data", path("not-numpy.npy")], "not a .npy file"),
                (["--data", path("objects.npy")], "objects.npy"),
                (["--data", path("complex.npy")], "complex.npy"),
                (["--data", path("int64.npy")], "astype('<f4')"),
                (["--data", path("big-endian.npy")], "astype('<f4')"),
                (["--data", path("fortran.npy")], "np.ascontiguousarray"),
                (["--data", path("one-d.npy")], "one-d.npy"),
                (["--data", path("zero-rows.npy")], "zero-rows.npy"),
                (["--data", path("nan.npy"), "--recon", "gaussian"], "row 17 holds NaN or Inf"),
                (["--data", path("good.npy"), "--test-data", path("wide.npy")], "5 features"),
                (["--data", path("empty-folder")], "empty-folder"),
                (["--data", path("good.npy"), "--holdout", "1.5"], "--holdout must lie strictly between 0 and 1"),
                (["--data", path("good.npy"), "--holdout", "0.01"], "each needs at least one per rank"),
                (["--data", path("outside.npy")], "--recon bce needs values in [0, 1]"),
                (["--data", path("good.npy"), "--binarize", "--recon", "mse"], "--binarize makes the data binary"),
                (["--data", directory.path + "/no-such.npy"], "no-such.npy"),
                (["--data", path("good.npy"), "--recon", "bce", "--normalize", "standard"], "which --normalize standard does not give"),
            ]
            for (arguments, expected) in cases {
                let out = path("bad-run")
                let result = train(2, arguments + ["--batch-size", "10"], out: out)
                let lines = result.error.split(separator: "\n").filter { $0.contains("error") }
                #expect(result.status != 0 && !result.timedOut, "\(arguments): exit \(result.status)")
                #expect(lines.count == 1 && lines.first?.contains(expected) == true, "\(arguments): \(result.error)")
                let written = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
                #expect(!written.contains { $0.hasPrefix("checkpoint-") }, "\(arguments) wrote \(written)")
                try? FileManager.default.removeItem(atPath: out)
            }
            // Resuming a checkpoint trained on data of another width.
            expectSuccess(train(0, ["--data", path("good.npy"), "--recon", "gaussian", "--max-steps", "2", "--batch-size", "10"],
                                out: path("narrow")))
            let wider = train(0, ["--data", path("wide.npy"), "--recon", "gaussian", "--epochs", "2", "--batch-size", "10",
                                  "--resume", path("narrow/checkpoint-000000002.safetensors")], out: path("narrow"))
            #expect(wider.status == 1 && wider.error.contains("5 features"), "\(wider.error)")
        }
    }
}
