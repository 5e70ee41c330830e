import HDF5

/// A 10x Genomics Cell Ranger v3+ feature-barcode matrix (`.h5`).
///
/// `matrix/` stores CSC by barcode (indptr over barcodes, indices over
/// features), which is CSR of cells × features: read as it is. Only
/// features whose `feature_type` is "Gene Expression" are kept unless asked
/// otherwise, as scanpy's `read_10x_h5` does, so antibody capture or CRISPR
/// guide counts never mix with gene counts by accident. Cell Ranger v2 files
/// (a group per genome) are refused by name with scanpy's conversion.
public final class TenXFile: Sendable {
    public static let geneExpression = "Gene Expression"

    public let path: String
    public let matrix: CellMatrix
    /// Names of the kept features (`features/name`).
    public let geneNames: [String]
    /// Cell barcodes, one per row.
    public let barcodeCount: Int

    public init(path: String, keepingAllFeatureTypes: Bool = false) throws(SingleCellError) {
        let root = try hdf5 { () throws(HDF5Error) in try HDF5File(readingAt: path).root() }
        guard root.kind(of: "matrix") == .group else {
            let members = (try? root.memberNames()) ?? []
            let genomes = members.filter { name in
                (try? root.group(name)).map { $0.contains("genes") && $0.contains("indptr") } ?? false
            }
            if !genomes.isEmpty { throw .tenXVersion2(path: path, genomes: genomes) }
            throw .unrecognized(path: path, found: members)
        }
        let group = try hdf5 { () throws(HDF5Error) in try root.group("matrix") }
        let (shapeSet, features, barcodes) = try hdf5 { () throws(HDF5Error) in
            (try group.dataset("shape"), try group.group("features"), try group.dataset("barcodes"))
        }
        guard shapeSet.elementType.isNumeric, shapeSet.shape == [2] else {
            throw .inconsistent(path: path, object: shapeSet.name, problem: "is \(shapeSet.elementType) of shape \(shapeSet.shape), expected two sizes (features, barcodes)")
        }
        let shape = try hdf5 { () throws(HDF5Error) in try shapeSet.read(Int64.self) }
        guard shape.allSatisfy({ $0 >= 0 && $0 <= Int64(Int32.max) * 64 }) else {
            throw .inconsistent(path: path, object: shapeSet.name, problem: "holds \(shape), expected two sizes (features, barcodes)")
        }
        let (featureCount, cells) = (Int(shape[0]), Int(shape[1]))
        try ShapeLimits.checkGenes(path: path, object: shapeSet.name, cells: cells, genes: featureCount)
        let (names, types) = try hdf5 { () throws(HDF5Error) in
            (try features.dataset("name").readStrings(), try features.dataset("feature_type").readStrings())
        }
        guard names.count == featureCount, types.count == featureCount else {
            throw .inconsistent(path: path, object: "/matrix/features",
                                problem: "has \(names.count) names and \(types.count) feature types, expected \(featureCount) (shape)")
        }
        guard barcodes.shape == [cells] else {
            throw .inconsistent(path: path, object: barcodes.name, problem: "has shape \(barcodes.shape), expected (\(cells),) (shape)")
        }
        var kept: [Int32]?
        if !keepingAllFeatureTypes, types.contains(where: { $0 != Self.geneExpression }) {
            var next: Int32 = 0
            kept = types.map { type in
                guard type == Self.geneExpression else { return -1 }
                defer { next += 1 }
                return next
            }
            guard next > 0 else {
                var seen = [String]()
                for type in types where !seen.contains(type) { seen.append(type) }
                throw .noGeneExpression(path: path, featureTypes: seen)
            }
        }
        let arrays = try CSRArrays(group: group, rows: cells, columns: featureCount)
        for dataset in [arrays.data, arrays.indices, arrays.indptr] {
            _ = try hdf5 { () throws(HDF5Error) in try dataset.requireFilters() }
        }
        self.path = path
        barcodeCount = cells
        geneNames = kept.map { map in zip(names, map).filter { $0.1 >= 0 }.map(\.0) } ?? names
        matrix = try CellMatrix(path: path, object: group.name, layout: .sparse(arrays), rows: cells,
                                storedColumns: featureCount, keptColumns: kept)
    }
}
