import HDF5

/// A single-cell count matrix and its gene names, from whichever format the
/// file turns out to hold. The format is judged by content, not by the
/// extension, because `.h5` and `.h5ad` are both just HDF5.
public struct SingleCellFile: Sendable {
    public enum Format: String, Sendable { case annData = "AnnData", tenX = "10x Cell Ranger" }

    public let path: String
    public let format: Format
    public let matrix: CellMatrix
    public let geneNames: [String]
    /// The AnnData file, for its obs and var columns; nil for 10x files.
    public let annData: AnnDataFile?

    /// Opens `path`. `matrix` chooses among an AnnData file's matrices; a
    /// 10x file has only one, so asking for a layer or raw there is an error.
    public init(path: String, matrix choice: MatrixChoice = .x) throws(SingleCellError) {
        let root = try hdf5 { () throws(HDF5Error) in try HDF5File(readingAt: path).root() }
        self.path = path
        if root.contains("matrix") || !(root.contains("X") || root.contains("obs")) {
            switch choice {
            case .x: break
            case let .layer(name): throw .missingLayer(path: path, layer: name, available: [])
            case .raw: throw .missingRaw(path: path)
            }
            let file = try TenXFile(path: path)
            format = .tenX
            matrix = file.matrix
            geneNames = file.geneNames
            annData = nil
        } else {
            let file = try AnnDataFile(path: path, matrix: choice)
            format = .annData
            matrix = file.matrix
            geneNames = file.geneNames
            annData = file
        }
    }
}
