import HDF5

/// Which matrix of an AnnData file to train on.
public enum MatrixChoice: Sendable, Equatable, CustomStringConvertible {
    /// `X`, with the genes of `var`.
    case x
    /// `layers/NAME` (same cells and genes as `X`).
    case layer(String)
    /// `raw/X`, with its own genes in `raw/var` (often more than `X`'s).
    case raw

    public var description: String {
        switch self {
        case .x: "X"
        case let .layer(name): "layers/\(name)"
        case .raw: "raw/X"
        }
    }
}

/// An AnnData `.h5ad` file: one matrix of cells by genes, the genes' names,
/// and the `obs` and `var` columns a model may use.
///
/// Only files with AnnData's encoding attributes (anndata 0.7, 2019, and
/// later) are read; older ones are refused with the one-line rewrite, because
/// their layout (h5sparse matrices, compound tables, categories in `uns`)
/// would need a second reader for files anndata itself converts in seconds.
public final class AnnDataFile: Sendable {
    public let path: String
    public let matrix: CellMatrix
    /// The matrix's column names: `var`'s index (`raw/var`'s for ``MatrixChoice/raw``).
    public let geneNames: [String]
    let observations: DataFrame
    let genes: DataFrame

    public init(path: String, matrix choice: MatrixChoice = .x) throws(SingleCellError) {
        let root = try hdf5 { () throws(HDF5Error) in try HDF5File(readingAt: path).root() }
        try Self.refuseOldLayout(root)
        observations = try DataFrame(group: hdf5 { () throws(HDF5Error) in try root.group("obs") }, label: "obs")
        let (matrixObject, frame): (HDF5Object, DataFrame)
        switch choice {
        case .x:
            matrixObject = try Self.member("X", of: root)
            frame = try DataFrame(group: hdf5 { () throws(HDF5Error) in try root.group("var") }, label: "var")
        case let .layer(name):
            guard root.kind(of: "layers") == .group, let layers = try? root.group("layers"), layers.contains(name) else {
                let names = (try? root.group("layers").memberNames()) ?? []
                throw .missingLayer(path: path, layer: name, available: names)
            }
            matrixObject = try Self.member(name, of: layers)
            frame = try DataFrame(group: hdf5 { () throws(HDF5Error) in try root.group("var") }, label: "var")
        case .raw:
            guard root.kind(of: "raw") == .group, let raw = try? root.group("raw"), raw.contains("X") else {
                throw .missingRaw(path: path)
            }
            matrixObject = try Self.member("X", of: raw)
            frame = try DataFrame(group: hdf5 { () throws(HDF5Error) in try raw.group("var") }, label: "raw/var")
        }
        genes = frame
        self.path = path
        let rows = try observations.rowCount()
        try ShapeLimits.checkGenes(path: path, object: "\(frame.label)/_index", cells: rows, genes: try frame.rowCount())
        geneNames = try frame.rowNames()
        matrix = try MatrixOpener(path: path, cells: rows, genes: geneNames.count, geneFrame: frame.label).open(matrixObject)
    }

    /// Columns of `obs`, in their stored order.
    public var observationColumns: [String] { observations.columnNames() }

    /// Columns of the genes' frame (`var`, or `raw/var`).
    public var geneColumns: [String] { genes.columnNames() }

    public func categoricalObservation(_ column: String) throws(SingleCellError) -> CategoricalColumn {
        let column = try observations.categorical(column)
        guard column.codes.count == matrix.rowCount else {
            throw .inconsistent(path: path, object: "obs/\(column.name)", problem: "has \(column.codes.count) rows, expected \(matrix.rowCount) cells")
        }
        return column
    }

    /// A boolean gene column (scanpy's `highly_variable`); nil where a nullable column is missing a value.
    public func booleanGeneColumn(_ column: String) throws(SingleCellError) -> [Bool?] {
        let values = try genes.boolean(column)
        guard values.count == geneNames.count else {
            throw .inconsistent(path: path, object: "\(genes.label)/\(column)", problem: "has \(values.count) rows, expected \(geneNames.count) genes")
        }
        return values
    }

    private static func member(_ name: String, of group: HDF5Group) throws(SingleCellError) -> HDF5Object {
        switch group.kind(of: name) {
        case .group: try hdf5 { () throws(HDF5Error) in try group.group(name) }
        case .dataset: try hdf5 { () throws(HDF5Error) in try group.dataset(name) }
        default: throw .hdf5(.missing(path: group.filePath, object: (group.name == "/" ? "/" : group.name + "/") + name))
        }
    }

    /// Refuses files written before anndata 0.7, naming what gives them away.
    private static func refuseOldLayout(_ root: HDF5Group) throws(SingleCellError) {
        let path = root.filePath
        for frame in ["obs", "var"] where root.kind(of: frame) == .dataset {
            throw .oldAnnData(path: path, reason: "\(frame) is a compound table")
        }
        if root.kind(of: "X") == .group, let x = try? root.group("X") {
            if x.hasAttribute("h5sparse_format") { throw .oldAnnData(path: path, reason: "X is an h5sparse_format matrix") }
            if !x.hasAttribute("encoding-type") { throw .oldAnnData(path: path, reason: "X has no encoding-type attribute") }
        }
    }
}
