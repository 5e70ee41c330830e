import CHDF5

/// What a name inside a group refers to.
public enum HDF5ObjectKind: String, Sendable, Equatable {
    case group, dataset, namedType = "named datatype"
}

/// An open HDF5 group: a directory of named groups and datasets.
public final class HDF5Group: HDF5Object, Sendable {
    let handle: Handle
    let location: ObjectLocation

    init(handle: Handle, location: ObjectLocation) {
        self.handle = handle
        self.location = location
    }

    /// What `name` (one path component) refers to, or nil when it names nothing.
    public func kind(of name: String) -> HDF5ObjectKind? {
        HDF5Library.prepare()
        let type = name.withCString { vae_h5_object_type(handle.id, $0) }
        HDF5Library.clearErrors()  // a missing name is an answer here, not a failure
        switch type {
        case Int32(H5O_TYPE_GROUP.rawValue): return .group
        case Int32(H5O_TYPE_DATASET.rawValue): return .dataset
        case Int32(H5O_TYPE_NAMED_DATATYPE.rawValue): return .namedType
        default: return nil
        }
    }

    public func contains(_ name: String) -> Bool { kind(of: name) != nil }

    /// The group `name` (one path component).
    public func group(_ name: String) throws(HDF5Error) -> HDF5Group {
        let child = location.child(name)
        try expect(name, is: .group, at: child)
        guard let opened = Handle(H5Gopen2(handle.id, name, vae_h5p_default()), kind: .group) else {
            throw child.failure("opening the group")
        }
        return HDF5Group(handle: opened, location: child)
    }

    /// The dataset `name` (one path component).
    public func dataset(_ name: String) throws(HDF5Error) -> HDF5Dataset {
        let child = location.child(name)
        try expect(name, is: .dataset, at: child)
        guard let opened = Handle(H5Dopen2(handle.id, name, vae_h5p_default()), kind: .dataset) else {
            throw child.failure("opening the dataset")
        }
        return try HDF5Dataset(handle: opened, location: child)
    }

    /// The names of the group's members, in HDF5's name order.
    public func memberNames() throws(HDF5Error) -> [String] {
        HDF5Library.prepare()
        var info = H5G_info_t()
        guard H5Gget_info(handle.id, &info) >= 0 else { throw location.failure("listing the group") }
        var names = [String]()
        for index in 0..<info.nlinks {
            let length = H5Lget_name_by_idx(handle.id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, vae_h5p_default())
            guard length >= 0 else { throw location.failure("listing the group") }
            var bytes = [CChar](repeating: 0, count: Int(length) + 1)
            guard H5Lget_name_by_idx(handle.id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &bytes, bytes.count,
                                     vae_h5p_default()) >= 0 else {
                throw location.failure("listing the group")
            }
            names.append(String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    private func expect(_ name: String, is expected: HDF5ObjectKind, at child: ObjectLocation) throws(HDF5Error) {
        guard let found = kind(of: name) else { throw .missing(path: location.file, object: child.name) }
        guard found == expected else {
            throw .wrongKind(path: location.file, object: child.name, expected: expected.rawValue, found: found.rawValue)
        }
    }
}
