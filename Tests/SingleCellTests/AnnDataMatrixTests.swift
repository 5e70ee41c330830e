import Foundation
import SingleCell
import Testing

/// Every value of every matrix encoding anndata writes, read back in row
/// blocks and compared with what the writing script stored.
@Suite(.enabled(if: Fixtures.available, Comment(rawValue: Fixtures.need)))
struct AnnDataMatrixTests {
    @Test func denseXAndEveryDenseLayerDtype() throws {
        let expected = try Fixtures.expected("dense")
        let file = try AnnDataFile(path: try Fixtures.path("dense.h5ad"))
        #expect(file.geneNames == expected["genes"] as? [String])
        #expect(file.matrix.storedNonZeroCount == nil)
        #expect(file.matrix.storedValues == .float(bytes: 4))
        #expect(try file.matrix.denseRows() == Fixtures.matrix(expected["dense"]))
        for layer in try #require(expected["layers"] as? [String]) {
            let layered = try AnnDataFile(path: try Fixtures.path("dense.h5ad"), matrix: .layer(layer))
            #expect(layered.matrix.storedValues.description == layer)
            #expect(try layered.matrix.denseRows(block: 2) == Fixtures.matrix(expected["dense"]), "layer \(layer)")
        }
    }

    @Test func csrWithInt32IndicesAndEveryValueDtype() throws {
        let expected = try Fixtures.expected("csr32")
        let path = try Fixtures.path("csr32.h5ad")
        let file = try AnnDataFile(path: path)
        #expect(file.geneNames == expected["genes"] as? [String])
        let dense = try Fixtures.matrix(expected["dense"])
        #expect(file.matrix.storedNonZeroCount == dense.joined().filter { $0 != 0 }.count)
        for block in [1, 2, 3, 7, 100] {
            #expect(try file.matrix.denseRows(block: block) == dense, "blocks of \(block)")
        }
        for layer in try #require(expected["layers"] as? [String]) {
            let layered = try AnnDataFile(path: path, matrix: .layer(layer))
            #expect(layered.matrix.storedValues.description == layer)
            #expect(try layered.matrix.denseRows() == dense, "layer \(layer)")
        }
    }

    @Test func rawXWithItsOwnGenes() throws {
        let expected = try Fixtures.expected("csr32")
        let file = try AnnDataFile(path: try Fixtures.path("csr32.h5ad"), matrix: .raw)
        #expect(file.geneNames == expected["raw_genes"] as? [String])
        #expect(file.matrix.object == "/raw/X")
        #expect(try file.matrix.denseRows() == Fixtures.matrix(expected["raw"]))
        #expect(try file.booleanGeneColumn("kept") == [true, true, true, true, true, false, false, false])
    }

    @Test func csrWithInt64IndicesAndIndptr() throws {
        let expected = try Fixtures.expected("csr64")
        let file = try AnnDataFile(path: try Fixtures.path("csr64.h5ad"))
        #expect(try file.matrix.denseRows(block: 4) == Fixtures.matrix(expected["dense"]))
    }

    @Test(arguments: ["gzip", "lzf"])
    func compressedChunkedFiles(compression: String) throws {
        let expected = try Fixtures.expected(compression)
        let dense = try Fixtures.matrix(expected["dense"])
        let file = try AnnDataFile(path: try Fixtures.path("\(compression).h5ad"))
        #expect(try file.matrix.denseRows(block: 37) == dense)
        let layered = try AnnDataFile(path: try Fixtures.path("\(compression).h5ad"), matrix: .layer("dense"))
        #expect(try layered.matrix.denseRows(block: 64) == dense)
        // A rank's rows only: a block in the middle equals those rows of the whole.
        let block = try file.matrix.rows(101..<173)
        #expect((101..<173).map { block.densify(row: $0, columnCount: 40) } == Array(dense[101..<173]))
    }

    @Test func unsortedIndicesAreReadAsStored() throws {
        let expected = try Fixtures.expected("unsorted")
        let file = try AnnDataFile(path: try Fixtures.path("unsorted.h5ad"))
        let rows = try file.matrix.rows(0..<file.matrix.rowCount)
        #expect(rows.columns.prefix(3) == [3, 2, 1])
        #expect(try file.matrix.denseRows() == Fixtures.matrix(expected["dense"]))
    }

    @Test func emptyRangesAndEmptyRows() throws {
        let file = try AnnDataFile(path: try Fixtures.path("csr32.h5ad"))
        let none = try file.matrix.rows(3..<3)
        #expect(none.offsets == [0] && none.values.isEmpty)
        let zeroRow = try file.matrix.rows(1..<2)  // row 1 is all zeros
        #expect(zeroRow.offsets == [0, 0])
        let error = singleCellError { () throws(SingleCellError) in try file.matrix.rows(5..<8) }
        #expect(error?.description.contains("rows 5..<8 requested of 7") == true)
    }
}
