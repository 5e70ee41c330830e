import Dataset
import Foundation
import SingleCell
import SystemIO
import Tensors
import Testing
import TestSupport

/// The sparse row cache built from single-cell files, and `vae-dist train`
/// on a `.h5ad` end to end.
@Suite(.enabled(if: Fixtures.available, Comment(rawValue: Fixtures.need)))
struct CacheTests {
    /// A copy of fixture `name` in a directory of its own (the cache goes beside it).
    static func copy(_ name: String) throws -> String {
        let directory = try TemporaryDirectory.make(prefix: "single-cell-cache")
        let path = directory.appendingPathComponent(name).path
        try FileManager.default.copyItem(atPath: try Fixtures.path(name), toPath: path)
        return path
    }

    static func rows(_ samples: SampleMatrix) -> [[Float]] { samples.rows(0..<samples.count) }

    @Test(arguments: [("csr32.h5ad", MatrixChoice.x, "dense"), ("csr32.h5ad", .raw, "raw"), ("dense.h5ad", .layer("uint16"), "dense"),
                      ("gzip.h5ad", .x, "dense"), ("lzf.h5ad", .layer("dense"), "dense"), ("unsorted.h5ad", .x, "dense")])
    func cacheHoldsTheMatrix(name: String, choice: MatrixChoice, key: String) throws {
        let path = try Self.copy(name)
        let expected = try Fixtures.matrix(try Fixtures.expected(String(name.prefix { $0 != "." }))[key])
        let file = try SingleCellFile(path: path, matrix: choice)
        let cache = SingleCellCache.path(for: path, matrix: choice)
        #expect(cache.hasPrefix(path + ".vae-dist-"))
        #expect(try SingleCellCache.prepare(file, choice: choice, cache: cache) == false)
        #expect(try SingleCellCache.prepare(file, choice: choice, cache: cache) == true, "a current cache is reused")
        let samples = try SparseRowCache.open(cache, stamp: try SingleCellCache.stamp(of: file, choice: choice))
        #expect(Self.rows(samples) == expected)
    }

    @Test func countsAreRecognisedAndOtherValuesNamed() throws {
        let counts = try Self.copy("csr32.h5ad")
        let countsFile = try SingleCellFile(path: counts)
        let countsCache = SingleCellCache.path(for: counts, matrix: .x)
        _ = try SingleCellCache.prepare(countsFile, choice: .x, cache: countsCache)
        #expect(try SingleCellCache.valueKind(of: countsFile, cache: countsCache) == "counts")
        let expected = try Fixtures.expected("lognorm")
        let path = try Self.copy("lognorm.h5ad")
        let file = try SingleCellFile(path: path)
        let cache = SingleCellCache.path(for: path, matrix: .x)
        _ = try SingleCellCache.prepare(file, choice: .x, cache: cache)
        let value = Float(try #require(expected["value"] as? Double))
        let gene = try #require(expected["gene"] as? String)
        #expect(try SingleCellCache.valueKind(of: file, cache: cache) == "values, not counts (cell 0, gene \(gene) holds \(value))")
        // Reused, the cache still knows it (from its header, no scan).
        #expect(try SingleCellCache.prepare(file, choice: .x, cache: cache))
        #expect(try SparseRowCache.firstNonCount(cache) == NonCountValue(row: 0, column: Int(gene.dropFirst(4)) ?? -1, value: value))
    }

    @Test func tenXCacheKeepsGeneExpressionColumns() throws {
        let path = try Self.copy("tenx-v3.h5")
        let expected = try Fixtures.expected("tenx-v3")
        let types = try #require(expected["types"] as? [String])
        let kept = types.indices.filter { types[$0] == "Gene Expression" }
        let file = try SingleCellFile(path: path)
        let cache = SingleCellCache.path(for: path, matrix: .x)
        _ = try SingleCellCache.prepare(file, choice: .x, cache: cache)
        #expect(Self.rows(try SparseRowCache.open(cache, stamp: nil)) == (try Fixtures.matrix(expected["dense"])).map { row in kept.map { row[$0] } })
    }

    @Test func aChangedSourceRebuildsItsCache() throws {
        let path = try Self.copy("csr32.h5ad")
        let cache = SingleCellCache.path(for: path, matrix: .x)
        let original = try SingleCellFile(path: path)
        let originalStamp = try SingleCellCache.stamp(of: original, choice: .x)
        _ = try SingleCellCache.prepare(original, choice: .x, cache: cache)
        // Another file under the same name (same matrix, other storage).
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: try Fixtures.path("csr64.h5ad"), toPath: path)
        let changed = try SingleCellFile(path: path)
        #expect(try SingleCellCache.stamp(of: changed, choice: .x) != originalStamp)
        #expect(try SingleCellCache.prepare(changed, choice: .x, cache: cache) == false)
        // A damaged cache is rebuilt, not used.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: cache)))
        bytes.removeLast(4)
        try Data(bytes).write(to: URL(fileURLWithPath: cache))
        #expect(try SingleCellCache.prepare(changed, choice: .x, cache: cache) == false)
        #expect(try SingleCellCache.prepare(changed, choice: .x, cache: cache) == true)
    }

    /// An in-place edit (h5py "r+": same size, a value changed between the
    /// sampled blocks) changes the modification time, which the stamp holds.
    @Test func anEditInPlaceRebuildsItsCache() throws {
        let path = try Self.copy("csr32.h5ad")
        let cache = SingleCellCache.path(for: path, matrix: .x)
        let file = try SingleCellFile(path: path)
        #expect(try SingleCellCache.prepare(file, choice: .x, cache: cache) == false)
        #expect(try SingleCellCache.prepare(file, choice: .x, cache: cache) == true)
        let modified = try #require(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
        try FileManager.default.setAttributes([.modificationDate: modified.addingTimeInterval(1)], ofItemAtPath: path)
        #expect(try SingleCellCache.prepare(file, choice: .x, cache: cache) == false)
    }

    /// A killed build's temporary on this host is removed by the next build
    /// when its process is gone; another host's, or a live process's, stays.
    @Test func abandonedTemporariesOfThisHostAreRemoved() throws {
        let path = try Self.copy("csr32.h5ad")
        let cache = SingleCellCache.path(for: path, matrix: .x)
        let host = ProcessIdentity.hostName
        let dead = "\(cache).partial-\(host)-2147483646", live = "\(cache).partial-\(host)-1", other = "\(cache).partial-other-host-2147483646"
        for name in [dead, live, other] { FileManager.default.createFile(atPath: name, contents: Data([1, 2, 3])) }
        #expect(try SingleCellCache.prepare(try SingleCellFile(path: path), choice: .x, cache: cache) == false)
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(FileManager.default.fileExists(atPath: live) && FileManager.default.fileExists(atPath: other))
    }

    /// Runs `code` in the venv's python with the path of a new file, which it writes.
    static func written(_ name: String, by code: String) throws -> String {
        let path = try TemporaryDirectory.make(prefix: "single-cell-hostile").appendingPathComponent(name).path
        let result = Command.execute(try #require(Fixtures.python), ["-c", "import sys, numpy as np, scipy.sparse as sp, anndata, h5py\n" + code, path],
                                     timeout: 120)
        try #require(result.status == 0, "\(result.error)")
        return path
    }

    @Test func aMatrixWithoutGenesOrCellsIsRefusedNamingTheFile() throws {
        let noGenes = try Self.written("genes.h5ad", by: "anndata.AnnData(X=sp.csr_matrix((5, 0), dtype=np.float32)).write_h5ad(sys.argv[1])")
        let file = try SingleCellFile(path: noGenes)
        let error = singleCellError { () throws(SingleCellError) in
            try SingleCellCache.prepare(file, choice: .x, cache: SingleCellCache.path(for: noGenes, matrix: .x))
        }
        #expect(error?.description == "\(noGenes) has no genes (\(file.matrix.object) is empty)")
        let noCells = try Self.written("cells.h5ad", by: "anndata.AnnData(X=sp.csr_matrix((0, 3), dtype=np.float32)).write_h5ad(sys.argv[1])")
        let cells = try SingleCellFile(path: noCells)
        let cellsError = singleCellError { () throws(SingleCellError) in
            try SingleCellCache.prepare(cells, choice: .x, cache: SingleCellCache.path(for: noCells, matrix: .x))
        }
        #expect(cellsError?.description == "\(noCells) has no cells (\(cells.matrix.object) is empty)")
    }

    /// A small file whose var index claims 2^31 genes (chunks never written)
    /// is refused from that size, before any name is read.
    @Test func aFileClaimingMoreGenesThanMemoryHoldsIsRefused() throws {
        let path = try Self.written("huge.h5ad", by: """
            anndata.AnnData(X=sp.csr_matrix((5, 3), dtype=np.float32)).write_h5ad(sys.argv[1])
            with h5py.File(sys.argv[1], "r+") as f:
                attrs = dict(f["var/_index"].attrs)
                del f["var/_index"]
                d = f["var"].create_dataset("_index", shape=(2**31,), dtype=h5py.string_dtype(), chunks=(1024,))
                for k, v in attrs.items(): d.attrs[k] = v
            """)
        let error = singleCellError { () throws(SingleCellError) in try SingleCellFile(path: path) }
        #expect(error?.description.hasPrefix("\(path): var/_index claims 5 cells x 2147483648 genes; a batch of 64 dense rows would need 512.0 GiB") == true,
                "\(String(describing: error))")
    }

    /// A small file claiming 10^14 cells of a dense X (chunks never written)
    /// is refused before its cache is written: (cells + 1) · 8 bytes of index
    /// alone exceed any directory's free space.
    @Test func aCacheLargerThanTheFreeSpaceIsRefusedBeforeWriting() throws {
        let path = try Self.written("cells.h5ad", by: """
            anndata.AnnData(X=np.ones((5, 3), dtype=np.float32)).write_h5ad(sys.argv[1])
            n = 10**14
            with h5py.File(sys.argv[1], "r+") as f:
                for name, shape, dtype, chunks in [("obs/_index", (n,), h5py.string_dtype(), (1024,)), ("X", (n, 3), np.float32, (1024, 3))]:
                    attrs = dict(f[name].attrs)
                    del f[name]
                    d = f.create_dataset(name, shape=shape, dtype=dtype, chunks=chunks)
                    for k, v in attrs.items(): d.attrs[k] = v
            """)
        let file = try SingleCellFile(path: path)
        let cache = SingleCellCache.path(for: path, matrix: .x)
        let error = singleCellError { () throws(SingleCellError) in try SingleCellCache.prepare(file, choice: .x, cache: cache) }
        #expect(error?.description.hasPrefix("\(path): /X claims 100000000000000 cells x 3 genes; its sparse cache would need") == true,
                "\(String(describing: error))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: Files.parentDirectory(of: path)).filter { $0.contains(".csr") }.isEmpty)
    }

    /// Values the trainer refuses are blamed on the user's file, not on its cache.
    @Test func nonFiniteValuesNameTheH5adNotItsCache() throws {
        let path = try Self.written("nan.h5ad", by: """
            x = np.ones((4, 3), dtype=np.float32); x[2, 1] = np.nan
            anndata.AnnData(X=sp.csr_matrix(x)).write_h5ad(sys.argv[1])
            """)
        let result = Command.run(["train", "--data", path, "--epochs", "1", "--batch-size", "2", "--out", Files.parentDirectory(of: path) + "/run"])
        #expect(result.status == 1)
        #expect(result.error.contains("\(path): row 2 holds NaN or Inf"), "\(result.error)")
        #expect(!result.error.contains(".csr"), "\(result.error)")
    }

    @Test func trainOnAnH5adEndToEnd() throws {
        let path = try Self.copy("gzip.h5ad")
        let out = Files.parentDirectory(of: path) + "/run"
        let result = Command.run(["train", "--data", path, "--epochs", "2", "--batch-size", "32", "--normalize", "minmax",
                                  "--out", out], timeout: 300)
        #expect(result.status == 0, "\(result.combined)")
        #expect(result.combined.contains("AnnData file, /X of 300 cells x 40 genes of counts (sparse cache built"), "\(result.combined)")
        #expect(result.combined.contains("epoch 2/2"))
        #expect(FileManager.default.fileExists(atPath: out + "/metrics.jsonl"))
        let again = Command.mpirun(2, ["train", "--data", path, "--epochs", "1", "--batch-size", "32", "--normalize", "minmax",
                                       "--out", out + "2"], timeout: 300)
        #expect(again.status == 0, "\(again.combined)")
        #expect(again.combined.contains("(sparse cache reused"), "\(again.combined)")
    }

    @Test func aRefusedFileIsOneLineAndExitsOne() throws {
        let path = try Self.copy("csc.h5ad")
        let result = Command.run(["train", "--data", path, "--epochs", "1", "--out", Files.parentDirectory(of: path) + "/run"])
        #expect(result.status == 1)
        #expect(result.error.contains("\(path): /X is a csc_matrix"), "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: Files.parentDirectory(of: path) + "/run"))
    }

    /// Without a loadable LZF plugin (HDF5_PLUGIN_PATH pointing nowhere), an
    /// LZF file is refused naming the filter, before anything is decoded.
    @Test func anLZFFileWithoutItsPluginIsRefusedNamingTheFilter() throws {
        let path = try Self.copy("lzf.h5ad")
        let empty = Files.parentDirectory(of: path) + "/no-plugins"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let result = Command.run(["train", "--data", path, "--epochs", "1", "--out", Files.parentDirectory(of: path) + "/run"],
                                 environment: ["HDF5_PLUGIN_PATH": empty])
        #expect(result.status == 1)
        #expect(result.error.contains("\(path): /var/_index is compressed with LZF (HDF5 filter 32000), which this libhdf5 cannot decode"),
                "\(result.error)")
        #expect(result.error.split(separator: "\n").count == 1, "\(result.error)")
    }
}
