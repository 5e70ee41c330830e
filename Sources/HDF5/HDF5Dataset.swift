import CHDF5

/// An open HDF5 dataset: its shape, stored type and filters, and reads of
/// all of it or of a range of its first dimension (a hyperslab), converted by
/// HDF5 into the native type asked for.
public final class HDF5Dataset: Sendable {
    let handle: Handle
    let location: ObjectLocation
    /// The extent of each dimension; [] for a scalar.
    public let shape: [Int]
    public let elementType: HDF5ElementType

    init(handle: Handle, location: ObjectLocation) throws(HDF5Error) {
        self.handle = handle
        self.location = location
        guard let space = Handle(H5Dget_space(handle.id), kind: .dataspace),
              let type = Handle(H5Dget_type(handle.id), kind: .datatype) else { throw location.failure("reading its layout") }
        let rank = H5Sget_simple_extent_ndims(space.id)
        guard rank >= 0, rank <= 32 else { throw location.failure("reading its rank") }
        var dimensions = [hsize_t](repeating: 0, count: Int(rank))
        guard H5Sget_simple_extent_dims(space.id, &dimensions, nil) >= 0 else { throw location.failure("reading its shape") }
        guard dimensions.allSatisfy({ $0 <= hsize_t(Int.max) }) else {
            throw .outOfRange(path: location.file, object: location.name, requested: "its shape", available: "a shape beyond Int")
        }
        shape = dimensions.map { Int($0) }
        elementType = HDF5ElementType(type: type.id)
    }

    /// Elements in the whole dataset (1 for a scalar), or nil when that overflows.
    public var elementCount: Int? {
        var total = 1
        for extent in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: extent)
            guard !overflow else { return nil }
            total = product
        }
        return total
    }

    /// Every value, converted to `Element`.
    public func read<Element: HDF5Element>(_ type: Element.Type) throws(HDF5Error) -> [Element] {
        try withSelection(rows: nil) { reader throws(HDF5Error) in try reader.numbers(type) }
    }

    /// The values of rows `rows` of the first dimension (for a 1-D dataset,
    /// elements `rows`), converted to `Element`, read through a hyperslab so
    /// nothing outside the range is decompressed beyond the chunks it touches.
    public func read<Element: HDF5Element>(_ type: Element.Type, rows: Range<Int>) throws(HDF5Error) -> [Element] {
        try withSelection(rows: rows) { reader throws(HDF5Error) in try reader.numbers(type) }
    }

    /// Every string, variable- or fixed-length.
    public func readStrings() throws(HDF5Error) -> [String] {
        try withSelection(rows: nil) { reader throws(HDF5Error) in try reader.strings() }
    }

    /// The stored integer codes of an enum dataset (h5py's bool), widened to Int64.
    public func readEnumerationCodes() throws(HDF5Error) -> [Int64] {
        try withSelection(rows: nil) { reader throws(HDF5Error) in try reader.enumerationCodes() }
    }

    /// Selects `rows` (all when nil) and hands a reader of that selection to `body`.
    private func withSelection<Result>(rows: Range<Int>?,
                                       _ body: (ValueReader) throws(HDF5Error) -> Result) throws(HDF5Error) -> Result {
        HDF5Library.prepare()
        try requireFilters()
        guard let type = Handle(H5Dget_type(handle.id), kind: .datatype),
              let fileSpace = Handle(H5Dget_space(handle.id), kind: .dataspace) else { throw location.failure("reading its layout") }
        var extents = shape.map { hsize_t($0) }
        guard let total = elementCount else {
            throw .outOfRange(path: location.file, object: location.name, requested: "shape \(shape)", available: "more elements than Int holds")
        }
        var count = total
        if let rows {
            let available = shape.first ?? 1
            guard !shape.isEmpty, rows.lowerBound >= 0, rows.upperBound <= available else {
                throw .outOfRange(path: location.file, object: location.name, requested: "rows \(rows.lowerBound)..<\(rows.upperBound)",
                                  available: "\(available) rows")
            }
            count = shape[0] == 0 ? 0 : total / shape[0] * rows.count
            extents[0] = hsize_t(rows.count)
            if count > 0 {
                var start = [hsize_t](repeating: 0, count: shape.count)
                start[0] = hsize_t(rows.lowerBound)
                guard H5Sselect_hyperslab(fileSpace.id, H5S_SELECT_SET, start, nil, extents, nil) >= 0 else {
                    throw location.failure("selecting rows \(rows.lowerBound)..<\(rows.upperBound)")
                }
            }
        }
        guard let memorySpace = Handle(shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(extents.count), extents, nil),
                                       kind: .dataspace) else { throw location.failure("making a memory dataspace") }
        let datasetID = handle.id, memoryID = memorySpace.id, fileID = fileSpace.id
        let reader = ValueReader(storedType: type.id, count: count, location: location,
                                 fill: { memoryType, buffer in
                                     H5Dread(datasetID, memoryType, memoryID, fileID, vae_h5p_default(), buffer) >= 0
                                 },
                                 memorySpace: memoryID)
        return try withExtendedLifetime((type, fileSpace, memorySpace)) { () throws(HDF5Error) -> Result in try body(reader) }
    }
}
