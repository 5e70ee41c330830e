import Foundation
import SingleCell
import Testing

/// obs and var columns: categorical codes of any width, both boolean
/// encodings, and the errors for missing and mistyped columns.
@Suite(.enabled(if: Fixtures.available, Comment(rawValue: Fixtures.need)))
struct AnnDataColumnTests {
    @Test func categoricalObservationWithMissingValues() throws {
        let expected = try Fixtures.expected("dense")
        let file = try AnnDataFile(path: try Fixtures.path("dense.h5ad"))
        #expect(file.observationColumns == ["batch", "depth"])
        let batch = try file.categoricalObservation("batch")
        #expect(batch.categories == expected["batch_categories"] as? [String])
        #expect(batch.codes.map(Int.init) == expected["batch_codes"] as? [Int])
        #expect(batch.codes.contains(-1))
        #expect(batch.value(at: 3) == nil && batch.value(at: 0) == "a")
    }

    @Test func int16CategoricalCodes() throws {
        let expected = try Fixtures.expected("wide-categories")
        let file = try AnnDataFile(path: try Fixtures.path("wide-categories.h5ad"))
        let donor = try file.categoricalObservation("donor")
        #expect(donor.categories == expected["categories"] as? [String])
        #expect(donor.codes.map(Int.init) == expected["codes"] as? [Int])
    }

    @Test func booleanColumnsInBothEncodings() throws {
        let expected = try Fixtures.expected("csr32")
        let file = try AnnDataFile(path: try Fixtures.path("csr32.h5ad"))
        #expect(try file.booleanGeneColumn("highly_variable") == (expected["highly_variable"] as? [Bool])?.map { $0 })
        let nullable = try file.booleanGeneColumn("nullable")
        let want = try #require(expected["nullable"] as? [Any])
        #expect(nullable.count == want.count)
        for (got, wanted) in zip(nullable, want) { #expect(got == (wanted as? Bool)) }
        #expect(nullable.contains(nil))
    }

    @Test func missingAndMistypedColumnsAreNamed() throws {
        let path = try Fixtures.path("dense.h5ad")
        let file = try AnnDataFile(path: path)
        let missing = singleCellError { () throws(SingleCellError) in try file.booleanGeneColumn("highly_variable_genes") }
        #expect(missing == .missingColumn(path: path, frame: "var", column: "highly_variable_genes",
                                          available: ["highly_variable", "nullable", "mean"]))
        let float = singleCellError { () throws(SingleCellError) in try file.booleanGeneColumn("mean") }
        #expect(float == .wrongColumnType(path: path, object: "var/mean", found: "float64 values", expected: "a boolean column"))
        let notCategorical = singleCellError { () throws(SingleCellError) in try file.categoricalObservation("depth") }
        #expect(notCategorical == .wrongColumnType(path: path, object: "obs/depth", found: "float64 values", expected: "a categorical column"))
        let index = singleCellError { () throws(SingleCellError) in try file.booleanGeneColumn("_index") }
        #expect(index?.description.contains("var has no column '_index'") == true)
    }

    @Test func missingLayerAndRawListWhatExists() throws {
        let path = try Fixtures.path("csr32.h5ad")
        let layer = singleCellError { () throws(SingleCellError) in try AnnDataFile(path: path, matrix: .layer("counts")) }
        #expect(layer == .missingLayer(path: path, layer: "counts", available: ["float64", "int32", "int64", "uint16", "uint32"]))
        let densePath = try Fixtures.path("dense.h5ad")
        let raw = singleCellError { () throws(SingleCellError) in try AnnDataFile(path: densePath, matrix: .raw) }
        #expect(raw == .missingRaw(path: densePath))
    }
}
