import CHDF5

/// Reads a selection of stored values into Swift arrays, for datasets and
/// attributes alike: the two differ only in the HDF5 call that fills a
/// buffer (`H5Dread` with dataspaces, `H5Aread` without), passed in as `fill`.
struct ValueReader {
    /// The stored type (closed by the caller's Handle).
    let storedType: hid_t
    let count: Int
    let location: ObjectLocation
    /// Fills the buffer with `count` values of the given memory type; false on failure.
    let fill: (_ memoryType: hid_t, _ buffer: UnsafeMutableRawPointer) -> Bool
    /// The memory dataspace a variable-length read allocated into (for freeing it).
    let memorySpace: hid_t

    var storedElement: HDF5ElementType { HDF5ElementType(type: storedType) }

    func numbers<Element: HDF5Element>(_: Element.Type) throws(HDF5Error) -> [Element] {
        let stored = storedElement
        guard stored.isNumeric else {
            throw .unsupportedType(path: location.file, object: location.name, found: stored.description, expected: "numbers")
        }
        guard count > 0 else { return [] }
        var succeeded = false
        let values = [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            succeeded = fill(Element.hdf5Native.typeID, UnsafeMutableRawPointer(base))
            initialized = succeeded ? count : 0
        }
        guard succeeded else { throw location.failure("reading \(count) values") }
        return values
    }

    /// An enum's stored integer codes (h5py's bool: 0 and 1), widened to Int64.
    func enumerationCodes() throws(HDF5Error) -> [Int64] {
        guard case .enumeration = storedElement, let base = Handle(H5Tget_super(storedType), kind: .datatype) else {
            throw .unsupportedType(path: location.file, object: location.name, found: storedElement.description, expected: "an enum")
        }
        // HDF5 converts enums only to enums, so read the stored enum and widen its base integers here.
        guard let native = Handle(H5Tget_native_type(storedType, H5T_DIR_ASCEND), kind: .datatype) else {
            throw location.failure("choosing a memory type")
        }
        let width = H5Tget_size(native.id)
        let signed = H5Tget_sign(base.id) != H5T_SGN_NONE
        guard [1, 2, 4, 8].contains(width) else {
            throw .unsupportedType(path: location.file, object: location.name, found: "an enum of \(width)-byte values", expected: "an enum of 1, 2, 4 or 8-byte integers")
        }
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count * width)
        let succeeded = bytes.withUnsafeMutableBytes { raw in raw.baseAddress.map { fill(native.id, $0) } ?? false }
        guard succeeded else { throw location.failure("reading \(count) values") }
        return bytes.withUnsafeBytes { raw in
            (0..<count).map { index in
                let offset = index * width
                switch (width, signed) {
                case (1, true): return Int64(raw.load(fromByteOffset: offset, as: Int8.self))
                case (1, false): return Int64(raw.load(fromByteOffset: offset, as: UInt8.self))
                case (2, true): return Int64(raw.loadUnaligned(fromByteOffset: offset, as: Int16.self))
                case (2, false): return Int64(raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
                case (4, true): return Int64(raw.loadUnaligned(fromByteOffset: offset, as: Int32.self))
                case (4, false): return Int64(raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                default: return Int64(truncatingIfNeeded: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                }
            }
        }
    }

    /// Strings, variable- or fixed-length, ASCII or UTF-8 (invalid UTF-8 is
    /// repaired, not trusted).
    func strings() throws(HDF5Error) -> [String] {
        guard H5Tget_class(storedType) == H5T_STRING else {
            throw .unsupportedType(path: location.file, object: location.name, found: storedElement.description, expected: "strings")
        }
        guard count > 0 else { return [] }
        guard let memoryType = Handle(H5Tcopy(vae_h5t_c_s1()), kind: .datatype) else { throw location.failure("making a string type") }
        _ = H5Tset_cset(memoryType.id, H5Tget_cset(storedType))
        if H5Tis_variable_str(storedType) > 0 {
            guard H5Tset_size(memoryType.id, vae_h5t_variable()) >= 0 else { throw location.failure("making a string type") }
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            let succeeded = pointers.withUnsafeMutableBytes { raw in raw.baseAddress.map { fill(memoryType.id, $0) } ?? false }
            guard succeeded else { throw location.failure("reading \(count) strings") }
            let strings = pointers.map { pointer in pointer.map { String(cString: $0) } ?? "" }
            _ = pointers.withUnsafeMutableBytes { raw in
                H5Dvlen_reclaim(memoryType.id, memorySpace, vae_h5p_default(), raw.baseAddress)
            }
            return strings
        }
        let width = H5Tget_size(storedType)
        guard width > 0, width <= 1 << 20 else {
            throw .unsupportedType(path: location.file, object: location.name, found: "strings of \(width) bytes", expected: "strings")
        }
        guard H5Tset_size(memoryType.id, width) >= 0 else { throw location.failure("making a string type") }
        // Null-padded: a full-width string has no terminator, so no NUL is added.
        _ = H5Tset_strpad(memoryType.id, H5T_STR_NULLPAD)
        let (total, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow, total <= 1 << 34 else {
            throw .outOfRange(path: location.file, object: location.name, requested: "\(count) strings of \(width) bytes", available: "too much")
        }
        var bytes = [UInt8](repeating: 0, count: total)
        let succeeded = bytes.withUnsafeMutableBytes { raw in raw.baseAddress.map { fill(memoryType.id, $0) } ?? false }
        guard succeeded else { throw location.failure("reading \(count) strings") }
        return (0..<count).map { index in
            let slot = bytes[(index * width)..<((index + 1) * width)]
            return String(decoding: slot.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
