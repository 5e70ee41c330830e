import HDF5

/// An AnnData data frame (`obs`, `var`, `raw/var`): a group whose
/// `_index` attribute names the dataset of row names and whose other members
/// are columns, each a dataset or an encoded group (categorical, nullable).
struct DataFrame: Sendable {
    let group: HDF5Group
    /// How messages name it: "var", "raw/var", "obs".
    let label: String

    init(group: HDF5Group, label: String) throws(SingleCellError) {
        guard group.hasAttribute("_index") else {
            throw .oldAnnData(path: group.filePath, reason: "\(label) has no _index attribute")
        }
        self.group = group
        self.label = label
    }

    /// The dataset of row names (often "_index", sometimes "index" or a column's name).
    func indexDataset() throws(SingleCellError) -> HDF5Dataset {
        let group = group
        let name = try hdf5 { () throws(HDF5Error) in try group.stringAttribute("_index") }
        let index = try hdf5 { () throws(HDF5Error) in try group.dataset(name) }
        guard index.shape.count == 1 else {
            throw .inconsistent(path: group.filePath, object: index.name, problem: "has shape \(index.shape), expected one dimension")
        }
        return index
    }

    func rowCount() throws(SingleCellError) -> Int { try indexDataset().shape[0] }

    func rowNames() throws(SingleCellError) -> [String] {
        let index = try indexDataset()
        return try hdf5 { () throws(HDF5Error) in try index.readStrings() }
    }

    /// Column names: the "column-order" attribute, in the user's order.
    func columnNames() -> [String] {
        (try? group.stringsAttribute("column-order")) ?? []
    }

    func column(_ name: String) throws(SingleCellError) -> HDF5ObjectKind {
        guard name != "_index", let kind = group.kind(of: name) else {
            throw .missingColumn(path: group.filePath, frame: label, column: name, available: columnNames())
        }
        return kind
    }

    /// A categorical column: codes of any integer width (−1 = missing) into its categories.
    func categorical(_ name: String) throws(SingleCellError) -> CategoricalColumn {
        let object = "\(label)/\(name)"
        guard try column(name) == .group, let column = try? group.group(name),
              (try? column.stringAttribute("encoding-type")) == "categorical" else {
            throw .wrongColumnType(path: group.filePath, object: object, found: describe(name), expected: "a categorical column")
        }
        let (codesSet, categoriesSet) = try hdf5 { () throws(HDF5Error) in (try column.dataset("codes"), try column.dataset("categories")) }
        switch codesSet.elementType {
        case .signedInteger, .unsignedInteger: break
        default: throw .wrongColumnType(path: group.filePath, object: codesSet.name, found: codesSet.elementType.description, expected: "integer codes")
        }
        let codes = try hdf5 { () throws(HDF5Error) in try codesSet.read(Int64.self) }
        let categories: [String]
        if case .string = categoriesSet.elementType {
            categories = try hdf5 { () throws(HDF5Error) in try categoriesSet.readStrings() }
        } else if categoriesSet.elementType.isNumeric {
            // pandas categories may be numbers (a batch numbered 1, 2, 3): name them as Python prints them.
            let numbers = try hdf5 { () throws(HDF5Error) in try categoriesSet.read(Double.self) }
            categories = numbers.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int64($0)) : String($0) }
        } else {
            throw .wrongColumnType(path: group.filePath, object: categoriesSet.name, found: categoriesSet.elementType.description,
                                   expected: "strings or numbers")
        }
        if let bad = codes.firstIndex(where: { $0 < -1 || $0 >= Int64(categories.count) }) {
            throw .inconsistent(path: group.filePath, object: codesSet.name,
                                problem: "code \(codes[bad]) at row \(bad) is outside -1..<\(categories.count) (the categories)")
        }
        return CategoricalColumn(name: name, categories: categories, codes: codes.map { Int32($0) })
    }

    /// A boolean column, stored as h5py's bool enum (no missing values) or as
    /// AnnData's nullable-boolean group (`values` and `mask`, true = missing).
    func boolean(_ name: String) throws(SingleCellError) -> [Bool?] {
        let object = "\(label)/\(name)"
        switch try column(name) {
        case .dataset:
            let dataset = try hdf5 { () throws(HDF5Error) in try group.dataset(name) }
            guard dataset.elementType.isBoolean, dataset.shape.count == 1 else {
                throw .wrongColumnType(path: group.filePath, object: object, found: describe(name), expected: "a boolean column")
            }
            return try hdf5 { () throws(HDF5Error) in try dataset.readEnumerationCodes() }.map { $0 != 0 }
        case .group:
            let column = try hdf5 { () throws(HDF5Error) in try group.group(name) }
            guard (try? column.stringAttribute("encoding-type")) == "nullable-boolean" else {
                throw .wrongColumnType(path: group.filePath, object: object, found: describe(name), expected: "a boolean column")
            }
            let (values, mask) = try hdf5 { () throws(HDF5Error) in (try column.dataset("values"), try column.dataset("mask")) }
            for part in [values, mask] where !part.elementType.isBoolean {
                throw .wrongColumnType(path: group.filePath, object: part.name, found: part.elementType.description, expected: "booleans")
            }
            let (truth, missing) = try hdf5 { () throws(HDF5Error) in (try values.readEnumerationCodes(), try mask.readEnumerationCodes()) }
            guard truth.count == missing.count else {
                throw .inconsistent(path: group.filePath, object: object, problem: "values has \(truth.count) entries but mask \(missing.count)")
            }
            return zip(truth, missing).map { value, masked in masked != 0 ? nil : value != 0 }
        case .namedType:
            throw .wrongColumnType(path: group.filePath, object: object, found: "a named datatype", expected: "a boolean column")
        }
    }

    /// What a column is, for a message: "a categorical column", "float64 values".
    private func describe(_ name: String) -> String {
        if let dataset = try? group.dataset(name) { return "\(dataset.elementType) values" }
        if let column = try? group.group(name), let encoding = try? column.stringAttribute("encoding-type") {
            return encoding == "categorical" ? "a categorical column" : "a '\(encoding)' column"
        }
        return "not a column"
    }
}

/// A categorical `obs` column: each cell's code into `categories`, −1 for
/// a missing value. Read now for the covariates of a later model.
public struct CategoricalColumn: Sendable, Equatable {
    public let name: String
    public let categories: [String]
    public let codes: [Int32]

    /// Row `row`'s category, or nil when it is missing.
    public func value(at row: Int) -> String? {
        codes[row] < 0 ? nil : categories[Int(codes[row])]
    }
}
