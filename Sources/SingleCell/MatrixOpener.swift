import HDF5

/// Opens an AnnData matrix object (a dense dataset or an encoded group) as a
/// ``CellMatrix``, checking its shape against the cells and genes.
struct MatrixOpener {
    let path: String
    let cells: Int
    let genes: Int
    let geneFrame: String

    func open(_ object: HDF5Object) throws(SingleCellError) -> CellMatrix {
        if let dataset = object as? HDF5Dataset {
            guard dataset.elementType.isNumeric else {
                throw .unsupportedValues(path: path, object: dataset.name, found: dataset.elementType.description)
            }
            guard dataset.shape.count == 2 else {
                throw .inconsistent(path: path, object: dataset.name, problem: "has shape \(dataset.shape), expected (cells, genes)")
            }
            try checkShape(dataset.shape[0], dataset.shape[1], object: dataset.name)
            _ = try hdf5 { () throws(HDF5Error) in try dataset.requireFilters() }
            return try CellMatrix(path: path, object: dataset.name, layout: .dense(dataset), rows: cells, storedColumns: genes, keptColumns: nil)
        }
        guard let group = object as? HDF5Group else {
            throw .hdf5(.wrongKind(path: path, object: object.name, expected: "dataset or group", found: "named datatype"))
        }
        if group.hasAttribute("h5sparse_format") { throw .oldAnnData(path: path, reason: "\(group.name) is an h5sparse_format matrix") }
        let encoding = try hdf5 { () throws(HDF5Error) in try group.stringAttribute("encoding-type") }
        switch encoding {
        case "csr_matrix": break
        case "csc_matrix": throw .cscMatrix(path: path, object: group.name)
        default: throw .unsupportedEncoding(path: path, object: group.name, encoding: encoding)
        }
        let shape = try hdf5 { () throws(HDF5Error) in try group.integersAttribute("shape") }
        guard shape.count == 2, shape.allSatisfy({ $0 >= 0 && $0 <= Int64(Int32.max) * 64 }) else {
            throw .inconsistent(path: path, object: group.name, problem: "has shape attribute \(shape), expected two sizes (cells, genes)")
        }
        try checkShape(Int(shape[0]), Int(shape[1]), object: group.name)
        let arrays = try CSRArrays(group: group, rows: cells, columns: genes)
        for dataset in [arrays.data, arrays.indices, arrays.indptr] {
            _ = try hdf5 { () throws(HDF5Error) in try dataset.requireFilters() }
        }
        return try CellMatrix(path: path, object: group.name, layout: .sparse(arrays), rows: cells, storedColumns: genes, keptColumns: nil)
    }

    private func checkShape(_ rows: Int, _ columns: Int, object: String) throws(SingleCellError) {
        guard rows == cells, columns == genes else {
            throw .inconsistent(path: path, object: object,
                                problem: "has shape (\(rows), \(columns)) but obs has \(cells) cells and \(geneFrame) \(genes) genes")
        }
    }
}
