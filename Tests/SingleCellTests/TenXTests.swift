import Foundation
import SingleCell
import Testing

/// Cell Ranger v3 files: CSC by barcode read as CSR of cells, with only the
/// "Gene Expression" features kept unless asked otherwise.
@Suite(.enabled(if: Fixtures.available, Comment(rawValue: Fixtures.need)))
struct TenXTests {
    @Test func geneExpressionFeaturesOnlyByDefault() throws {
        let expected = try Fixtures.expected("tenx-v3")
        let dense = try Fixtures.matrix(expected["dense"])
        let types = try #require(expected["types"] as? [String])
        let names = try #require(expected["names"] as? [String])
        let kept = types.indices.filter { types[$0] == "Gene Expression" }
        let file = try SingleCellFile(path: try Fixtures.path("tenx-v3.h5"))
        #expect(file.format == .tenX)
        #expect(file.geneNames == kept.map { names[$0] })
        #expect(file.matrix.columnCount == kept.count)
        #expect(try file.matrix.denseRows(block: 2) == dense.map { row in kept.map { row[$0] } })
    }

    @Test func everyFeatureWhenAsked() throws {
        let expected = try Fixtures.expected("tenx-v3")
        let file = try TenXFile(path: try Fixtures.path("tenx-v3.h5"), keepingAllFeatureTypes: true)
        #expect(file.geneNames == expected["names"] as? [String])
        #expect(file.barcodeCount == 7)
        #expect(try file.matrix.denseRows() == Fixtures.matrix(expected["dense"]))
    }

    @Test func aLayerOrRawOfATenXFileIsAnError() throws {
        let path = try Fixtures.path("tenx-v3.h5")
        #expect(singleCellError { () throws(SingleCellError) in try SingleCellFile(path: path, matrix: .raw) } == .missingRaw(path: path))
    }
}
