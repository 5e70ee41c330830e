import CHDF5

/// One stage of a dataset's filter pipeline (compression, shuffle, checksum).
public struct HDF5Filter: Sendable, Equatable, CustomStringConvertible {
    /// The registered HDF5 filter id (1 = gzip, 32000 = LZF, ...).
    public let id: Int
    /// False when this libhdf5 has neither the filter built in nor a plugin for it.
    public let isAvailable: Bool
    /// Optional filters (h5py's LZF is one) are skipped only in chunks where
    /// they failed on writing, so an optional filter is needed to read as much
    /// as a mandatory one.
    public let isOptional: Bool

    /// The filter's usual name and id, as users find it in h5py and in plugin packages.
    public var description: String {
        let known: [Int: String] = [1: "gzip", 2: "shuffle", 3: "fletcher32", 4: "szip", 5: "nbit", 6: "scaleoffset",
                                    307: "bzip2", 32000: "LZF", 32001: "Blosc", 32004: "LZ4", 32008: "bitshuffle",
                                    32013: "zfp", 32015: "Zstandard", 32017: "SZ"]
        return "\(known[id] ?? "a filter") (HDF5 filter \(id))"
    }
}

extension HDF5Dataset {
    /// The dataset's filter pipeline, in the order HDF5 applies it on writing.
    public func filters() throws(HDF5Error) -> [HDF5Filter] {
        HDF5Library.prepare()
        guard let creation = Handle(H5Dget_create_plist(handle.id), kind: .propertyList) else {
            throw location.failure("reading its creation properties")
        }
        let count = H5Pget_nfilters(creation.id)
        guard count >= 0 else { throw location.failure("reading its filters") }
        var filters = [HDF5Filter]()
        for index in 0..<UInt32(count) {
            var flags: UInt32 = 0
            var valueCount = 0
            var configuration: UInt32 = 0
            let id = H5Pget_filter2(creation.id, index, &flags, &valueCount, nil, 0, nil, &configuration)
            guard id >= 0 else { throw location.failure("reading filter \(index)") }
            // H5Zfilter_avail also tries to load a plugin (HDF5_PLUGIN_PATH and
            // the library's plugin directory, where Debian's hdf5-plugin-lzf goes).
            let available = H5Zfilter_avail(id) > 0
            HDF5Library.clearErrors()
            filters.append(HDF5Filter(id: Int(id), isAvailable: available, isOptional: flags & UInt32(H5Z_FLAG_OPTIONAL) != 0))
        }
        return filters
    }

    /// Throws, naming the filter, when a filter cannot be decoded,
    /// rather than letting HDF5 fail deep inside a read with "can't open
    /// dynamic library" or "required filter is not registered".
    public func requireFilters() throws(HDF5Error) {
        if let missing = try filters().first(where: { !$0.isAvailable }) {
            throw .filterUnavailable(path: location.file, object: location.name, filter: missing.description)
        }
    }
}
