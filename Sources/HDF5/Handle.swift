import CHDF5

/// One open HDF5 identifier, closed exactly once when the last reference
/// goes away, so a thrown error or an early return cannot leak it.
///
/// Every object wrapper (file, group, dataset) holds one; temporaries inside
/// a read (dataspaces, types, property lists) are Handles too, so they close
/// at the end of the scope that made them.
final class Handle: @unchecked Sendable {
    enum Kind { case file, group, dataset, attribute, dataspace, datatype, propertyList }

    let id: hid_t
    private let kind: Kind

    /// Wraps `id`, or nil when `id` is HDF5's failure value (negative).
    init?(_ id: hid_t, kind: Kind) {
        guard id >= 0 else { return nil }
        self.id = id
        self.kind = kind
    }

    deinit {
        switch kind {
        case .file: _ = H5Fclose(id)
        case .group: _ = H5Gclose(id)
        case .dataset: _ = H5Dclose(id)
        case .attribute: _ = H5Aclose(id)
        case .dataspace: _ = H5Sclose(id)
        case .datatype: _ = H5Tclose(id)
        case .propertyList: _ = H5Pclose(id)
        }
    }
}
