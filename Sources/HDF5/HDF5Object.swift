import CHDF5

/// A group or dataset: both carry attributes, which AnnData uses for its
/// encoding metadata ("encoding-type", "shape", "_index").
public protocol HDF5Object: AnyObject, Sendable {
    /// The object's path inside its file ("/X/data").
    var name: String { get }
    /// The file's path, for messages.
    var filePath: String { get }
    func hasAttribute(_ attribute: String) -> Bool
    func attributeType(_ attribute: String) throws(HDF5Error) -> HDF5ElementType
    func stringAttribute(_ attribute: String) throws(HDF5Error) -> String
    func stringsAttribute(_ attribute: String) throws(HDF5Error) -> [String]
    func integersAttribute(_ attribute: String) throws(HDF5Error) -> [Int64]
}

/// The shared implementation, on the internal handle and location.
protocol HandleHolder: HDF5Object {
    var handle: Handle { get }
    var location: ObjectLocation { get }
}

extension HDF5Group: HandleHolder {}
extension HDF5Dataset: HandleHolder {}

extension HandleHolder {
    public var name: String { location.name }
    public var filePath: String { location.file }

    public func hasAttribute(_ attribute: String) -> Bool {
        HDF5Library.prepare()
        let exists = H5Aexists(handle.id, attribute)
        HDF5Library.clearErrors()
        return exists > 0
    }

    public func attributeType(_ attribute: String) throws(HDF5Error) -> HDF5ElementType {
        let opened = try open(attribute)
        guard let type = Handle(H5Aget_type(opened.id), kind: .datatype) else { throw attributeLocation(attribute).failure("reading its type") }
        return HDF5ElementType(type: type.id)
    }

    /// One string (a scalar attribute, or an array of one), variable- or fixed-length.
    public func stringAttribute(_ attribute: String) throws(HDF5Error) -> String {
        let strings = try stringsAttribute(attribute)
        guard strings.count == 1 else {
            throw .unsupportedType(path: filePath, object: attributeLocation(attribute).name, found: "\(strings.count) strings", expected: "one string")
        }
        return strings[0]
    }

    /// Every string of a string attribute; an empty attribute of any type is
    /// no strings (h5py writes an empty list as an empty float64 array).
    public func stringsAttribute(_ attribute: String) throws(HDF5Error) -> [String] {
        let reader = try valueReader(attribute)
        return reader.count == 0 ? [] : try reader.reader.strings()
    }

    /// Every value of an integer attribute (AnnData's "shape"), as Int64.
    public func integersAttribute(_ attribute: String) throws(HDF5Error) -> [Int64] {
        let reader = try valueReader(attribute)
        if case .signedInteger = reader.reader.storedElement { return try reader.reader.numbers(Int64.self) }
        return try reader.unsignedOrRefuse()
    }

    private func attributeLocation(_ attribute: String) -> ObjectLocation {
        ObjectLocation(file: location.file, name: "\(location.name) attribute '\(attribute)'")
    }

    private func open(_ attribute: String) throws(HDF5Error) -> Handle {
        HDF5Library.prepare()
        guard hasAttribute(attribute) else {
            throw .missingAttribute(path: location.file, object: location.name, attribute: attribute)
        }
        guard let opened = Handle(H5Aopen(handle.id, attribute, vae_h5p_default()), kind: .attribute) else {
            throw attributeLocation(attribute).failure("opening it")
        }
        return opened
    }

    private func valueReader(_ attribute: String) throws(HDF5Error) -> AttributeValues {
        let opened = try open(attribute)
        let at = attributeLocation(attribute)
        guard let type = Handle(H5Aget_type(opened.id), kind: .datatype),
              let space = Handle(H5Aget_space(opened.id), kind: .dataspace) else { throw at.failure("reading its type") }
        let points = H5Sget_simple_extent_npoints(space.id)
        guard points >= 0 else { throw at.failure("reading its size") }
        let attributeID = opened.id
        let reader = ValueReader(storedType: type.id, count: Int(points), location: at,
                                 fill: { memoryType, buffer in H5Aread(attributeID, memoryType, buffer) >= 0 },
                                 memorySpace: space.id)
        return AttributeValues(attribute: opened, type: type, space: space, reader: reader)
    }
}

/// A ValueReader with the handles it borrows, kept open while it is used.
private struct AttributeValues {
    let attribute: Handle
    let type: Handle
    let space: Handle
    let reader: ValueReader
    var count: Int { reader.count }

    func unsignedOrRefuse() throws(HDF5Error) -> [Int64] {
        guard case .unsignedInteger = reader.storedElement else {
            throw .unsupportedType(path: reader.location.file, object: reader.location.name,
                                   found: reader.storedElement.description, expected: "integers")
        }
        let values = try reader.numbers(UInt64.self)
        guard values.allSatisfy({ $0 <= UInt64(Int64.max) }) else {
            throw .unsupportedType(path: reader.location.file, object: reader.location.name, found: "integers above 2^63", expected: "integers")
        }
        return values.map { Int64($0) }
    }
}
