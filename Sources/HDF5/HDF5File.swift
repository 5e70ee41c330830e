#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CHDF5

/// An HDF5 file opened read-only, without file locks (see
/// `vae_h5_open_read_only`): training only reads its data, and many ranks
/// on a shared file system open the same file at once.
///
/// The file stays open while this object or any group or dataset taken from
/// it is alive (HDF5's default "weak" close), and closes with the last one.
public final class HDF5File: Sendable {
    public let path: String
    let handle: Handle

    public init(readingAt path: String) throws(HDF5Error) {
        HDF5Library.prepare()
        // HDF5 says only "unable to open file" for a missing or unreadable
        // file; the system's reason is the useful one.
        guard access(path, R_OK) == 0 else {
            throw .unopenable(path: path, reason: String(cString: strerror(errno)))
        }
        var status = stat()
        if stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR {
            throw .unopenable(path: path, reason: "is a directory, not a file")
        }
        let signature = path.withCString { H5Fis_hdf5($0) }
        guard signature != 0 else { throw .notHDF5(path: path) }
        guard signature > 0 else { throw .unopenable(path: path, reason: HDF5Library.lastErrorMessage()) }
        guard let handle = Handle(path.withCString { vae_h5_open_read_only($0) }, kind: .file) else {
            throw .unopenable(path: path, reason: HDF5Library.lastErrorMessage())
        }
        self.path = path
        self.handle = handle
    }

    /// The root group, "/".
    public func root() throws(HDF5Error) -> HDF5Group {
        HDF5Library.prepare()
        guard let group = Handle(H5Gopen2(handle.id, "/", vae_h5p_default()), kind: .group) else {
            throw .failed(path: path, object: "/", operation: "opening the root group", reason: HDF5Library.lastErrorMessage())
        }
        return HDF5Group(handle: group, location: ObjectLocation(file: path, name: "/"))
    }
}

/// Where an object lives, for messages: the file's path and the object's
/// path inside it ("/X/indptr").
struct ObjectLocation: Sendable, Equatable {
    let file: String
    let name: String

    func child(_ component: String) -> ObjectLocation {
        ObjectLocation(file: file, name: name == "/" ? "/" + component : name + "/" + component)
    }

    /// A failed HDF5 call on this object, with HDF5's own reason.
    func failure(_ operation: String) -> HDF5Error {
        .failed(path: file, object: name, operation: operation, reason: HDF5Library.lastErrorMessage())
    }
}
