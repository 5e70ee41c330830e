import Foundation
import HDF5
import SingleCell
import Testing

/// Files that must be refused, each with one line naming the file and the
/// problem (and the fix, where there is one), never a crash or a stack dump.
@Suite(.enabled(if: Fixtures.available, Comment(rawValue: Fixtures.need)))
struct RefusalTests {
    @Test func cscIsRefusedWithTheConversion() throws {
        let path = try Fixtures.path("csc.h5ad")
        let error = singleCellError { () throws(SingleCellError) in try SingleCellFile(path: path) }
        #expect(error == .cscMatrix(path: path, object: "/X"))
        #expect(error?.description.contains("adata.X = adata.X.tocsr()") == true)
    }

    @Test(arguments: ["old.h5ad", "old-dense.h5ad"])
    func oldAnnDataIsRefusedWithTheRewrite(name: String) throws {
        let path = try Fixtures.path(name)
        let error = singleCellError { () throws(SingleCellError) in try SingleCellFile(path: path) }
        #expect(error == .oldAnnData(path: path, reason: "obs is a compound table"))
        #expect(error?.description.contains("anndata.read_h5ad(f).write_h5ad(g)") == true)
    }

    @Test func cellRangerVersion2IsRefusedByName() throws {
        let path = try Fixtures.path("tenx-v2.h5")
        let error = singleCellError { () throws(SingleCellError) in try SingleCellFile(path: path) }
        #expect(error == .tenXVersion2(path: path, genomes: ["GRCh38"]))
        #expect(error?.description.contains("Cell Ranger v2") == true)
    }

    @Test func otherFilesAreNamedForWhatTheyAre() throws {
        let other = try Fixtures.path("other.h5")
        #expect(singleCellError { () throws(SingleCellError) in try SingleCellFile(path: other) } == .unrecognized(path: other, found: ["weights"]))
        let text = try Fixtures.path("text.h5ad")
        #expect(singleCellError { () throws(SingleCellError) in try SingleCellFile(path: text) } == .hdf5(.notHDF5(path: text)))
        let missing = try Fixtures.path("no-such-file.h5ad")
        #expect(singleCellError { () throws(SingleCellError) in try SingleCellFile(path: missing) }
                == .hdf5(.unopenable(path: missing, reason: "No such file or directory")))
        let directory = try Fixtures.directory.get()
        #expect(singleCellError { () throws(SingleCellError) in try SingleCellFile(path: directory) }
                == .hdf5(.unopenable(path: directory, reason: "is a directory, not a file")))
    }

    @Test func truncatedFileIsAnHDF5Error() throws {
        let path = try Fixtures.path("truncated.h5ad")
        let error = singleCellError { () throws(SingleCellError) in try SingleCellFile(path: path) }
        guard case let .hdf5(.unopenable(reportedPath, reason)) = error else {
            Issue.record("expected unopenable, got \(String(describing: error))")
            return
        }
        #expect(reportedPath == path)
        #expect(reason.contains("truncated"), "\(reason)")
        #expect(error?.description.split(separator: "\n").count == 1)
    }

    /// Broken arrays found when the file is opened (cheap checks of lengths
    /// and the two ends of indptr) or when the rows are read.
    @Test(arguments: [
        ("indptr-end", "/X/indptr: ends at 11, expected 12, the number of stored values"),
        ("indptr-start", "/X/indptr: starts at 1, expected 0"),
        ("shape", "/X: has shape (7, 6) but obs has 7 cells and var 5 genes"),
        ("data-length", "/X/indices: has 12 entries but /X/data has 11; they must match"),
        ("indptr-decreasing", "/X/indptr: decreases at row 3 (indptr[3] = 8 > indptr[4] = 7); it must not decrease"),
        ("indices-range", "/X/indices: entry 2 (row 0) is column 9, outside 0..<5"),
        ("indices-negative", "/X/indices: entry 0 (row 0) is column -1, outside 0..<5"),
    ])
    func brokenMatricesAreOneLineErrors(name: String, message: String) throws {
        let path = try Fixtures.path(name + ".h5ad")
        let error = singleCellError { () throws(SingleCellError) in
            let file = try SingleCellFile(path: path)
            return try file.matrix.rows(0..<file.matrix.rowCount)
        }
        #expect(error?.description == "\(path): \(message)")
    }
}
