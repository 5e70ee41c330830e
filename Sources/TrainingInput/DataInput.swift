import Dataset
import MPI
import SingleCell
import SystemIO
import TrainingCore

/// One `--data` or `--test-data` path opened as samples, whatever its kind:
/// an MNIST-layout directory (its `t10k-` files are a test set), a `.npy`
/// file, a folder of PNG images (decoded once into a `.npy` cache that
/// every later run maps), or a single-cell `.h5ad`/`.h5` file (converted
/// once into a sparse row cache that every later run maps).
package struct DataInput {
    let path: String
    let samples: SampleMatrix
    let labels: [UInt8]?
    /// The test split the input carries itself (MNIST layout only).
    let test: (samples: SampleMatrix, labels: [UInt8]?)?
    /// What kind of input this is, for logs.
    let kind: String

    /// Opens `path` on every rank; an image folder is decoded cooperatively
    /// (each rank decodes 1/N of the files into one shared cache file) unless
    /// a valid cache exists. Errors are agreed: every rank throws together.
    /// Without a communicator (a single-process command), everything is
    /// done here.
    static func open(_ path: String, flag: String, communicator: Communicator?) throws(TrainingError) -> DataInput {
        let kind = try together(communicator) { () throws(TrainingError) -> Kind in try Kind(path: path, flag: flag) }
        switch kind {
        case .mnist:
            return try together(communicator) { () throws(TrainingError) -> DataInput in
                do throws(DatasetError) {
                    let directory = try MNISTDirectory(path: path)
                    return DataInput(path: path, samples: directory.train.samples, labels: directory.train.labels,
                                     test: (directory.test.samples, directory.test.labels), kind: "MNIST-layout directory")
                } catch {
                    throw .dataset(error)
                }
            }
        case .numpy:
            return try together(communicator) { () throws(TrainingError) -> DataInput in
                do throws(DatasetError) {
                    return DataInput(path: path, samples: try NumpyFile(path: path).samples, labels: nil, test: nil,
                                     kind: ".npy file")
                } catch {
                    throw .dataset(error)
                }
            }
        case .imageFolder:
            guard let communicator else { return try openImageFolderAlone(path) }
            return try openImageFolder(path, communicator: communicator)
        case .singleCell:
            return try openSingleCell(path, communicator: communicator)
        }
    }

    /// Rank 0 opens the file, builds its sparse cache when none is current,
    /// and broadcasts the cache's path; then every rank maps the cache.
    private static func openSingleCell(_ path: String, communicator: Communicator?) throws(TrainingError) -> DataInput {
        let prepared = try together(communicator) { () throws(TrainingError) -> (cache: String, kind: String) in
            guard communicator?.isRoot ?? true else { return ("", "") }
            do throws(SingleCellError) {
                let file = try SingleCellFile(path: path)
                let cache = SingleCellCache.path(for: path, matrix: .x)
                let reused = try SingleCellCache.prepare(file, choice: .x, cache: cache)
                let values = try SingleCellCache.valueKind(of: file, cache: cache)
                return (cache, "\(file.format.rawValue) file, \(file.matrix.object) of \(file.matrix.rowCount) cells x \(file.geneNames.count) genes"
                               + " of \(values) (sparse cache \(reused ? "reused" : "built") \(cache))")
            } catch {
                throw .configuration(error.description)
            }
        }
        var cache = prepared.cache, kind = prepared.kind
        if let communicator {
            do {
                cache = try communicator.broadcastText(cache)
                kind = try communicator.broadcastText(kind)
            } catch {
                throw .mpi(error)
            }
        }
        return try together(communicator) { () throws(TrainingError) -> DataInput in
            do throws(DatasetError) {
                return DataInput(path: path, samples: try SparseRowCache.open(cache, stamp: nil, source: path), labels: nil, test: nil, kind: kind)
            } catch {
                throw .dataset(error)
            }
        }
    }

    /// `body` on every rank, agreed (see ``Communicator/agree(_:)``), or just
    /// `body` without a communicator.
    private static func together<T>(_ communicator: Communicator?,
                                    _ body: () throws(TrainingError) -> T) throws(TrainingError) -> T {
        guard let communicator else { return try body() }
        return try communicator.agree(body)
    }

    private static func openImageFolderAlone(_ path: String) throws(TrainingError) -> DataInput {
        do throws(DatasetError) {
            let folder = try ImageFolder(scanning: path)
            let cache = cachePath(forFolder: path)
            do throws(FileError) {
                try Files.createDirectory(String(cache[..<(cache.lastIndex(of: "/") ?? cache.endIndex)]))
            } catch {
                throw .unreadable(path: error.path, reason: error.reason)
            }
            let (samples, reused) = try folder.cachedSamples(at: cache)
            return DataInput(path: path, samples: samples, labels: nil, test: nil,
                             kind: "folder of \(folder.count) PNG images (\(reused ? "cache reused" : "decoded into") \(cache))")
        } catch {
            throw .dataset(error)
        }
    }

    enum Kind {
        case mnist, numpy, imageFolder, singleCell

        init(path: String, flag: String) throws(TrainingError) {
            let status: FileStatus
            do {
                status = try Files.status(path)
            } catch {
                // --data names a directory or a file: say both when neither exists.
                let reason = switch error.reason {
                case "No such file or directory": "no such directory or file"
                case "Too many levels of symbolic links": "is a symbolic link loop"
                default: error.reason
                }
                throw .configuration("\(flag) \(path): \(reason)")
            }
            switch status.kind {
            case .directory:
                let names = (try? Files.list(path)) ?? []
                self = names.contains { $0.hasPrefix("train-images-idx3-ubyte") } ? .mnist : .imageFolder
            case .regular where path.hasSuffix(".npy"):
                self = .numpy
            case .regular where path.hasSuffix(".h5ad") || path.hasSuffix(".h5"):
                self = .singleCell
            case .regular:
                throw .configuration("\(flag) \(path): not a .npy, .h5ad or .h5 file or a directory (CSV, JPEG and pickles: convert them to .npy with NumPy, see README \"Your own data\")")
            default:
                throw .configuration("\(flag) \(path): not a regular file or a directory")
            }
        }
    }

    /// Where a folder's decoded images are cached: inside it when it is
    /// writable (hidden, so the scan skips it), else in the user's cache.
    static func cachePath(forFolder folder: String) -> String {
        let inside = folder + "/.vae-dist-cache.npy"
        if (try? Files.probeWritable(folder)) != nil { return inside }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in folder.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let home = Environment.value("XDG_CACHE_HOME") ?? ((Environment.value("HOME") ?? "/tmp") + "/.cache")
        return "\(home)/vae-dist/\(String(hash, radix: 16)).npy"
    }

    private static func openImageFolder(_ path: String, communicator: Communicator) throws(TrainingError) -> DataInput {
        let folder = try communicator.agree { () throws(TrainingError) -> ImageFolder in
            do throws(DatasetError) {
                return try ImageFolder(scanning: path)
            } catch {
                throw .dataset(error)
            }
        }
        let cache = cachePath(forFolder: path)
        // Rank 0 decides whether the cache can be reused; everyone follows.
        let reuse = try communicator.agree { () throws(TrainingError) -> Bool in
            guard communicator.isRoot else { return false }
            if folder.isCacheValid(at: cache) { return true }
            do throws(FileError) {
                try Files.createDirectory(String(cache[..<(cache.lastIndex(of: "/") ?? cache.endIndex)]))
            } catch {
                throw .file(error)
            }
            do throws(DatasetError) {
                try folder.createCache(at: cache)
            } catch {
                throw .dataset(error)
            }
            return false
        }
        var reused = reuse
        do {
            var flag: [Int32] = [reuse ? 1 : 0]
            try communicator.broadcast(&flag)
            reused = flag[0] == 1
        } catch {
            throw .mpi(error)
        }
        if !reused {
            try communicator.agree { () throws(TrainingError) in
                do throws(DatasetError) {
                    try folder.decode(evenShard(count: folder.count, parts: communicator.size, index: communicator.rank),
                                      intoCacheAt: cache)
                } catch {
                    throw .dataset(error)
                }
            }
            try communicator.agree { () throws(TrainingError) in
                guard communicator.isRoot else { return }
                do throws(DatasetError) {
                    try folder.sealCache(at: cache)
                } catch {
                    throw .dataset(error)
                }
            }
        }
        return try communicator.agree { () throws(TrainingError) -> DataInput in
            do throws(DatasetError) {
                let samples = try NumpyFile(path: cache).samples
                guard samples.count == folder.count, samples.shape == folder.shape else {
                    throw .cacheMismatch(path: cache, reason: "it holds \(samples.count) samples of \(samples.shape), the folder \(folder.count) of \(folder.shape)")
                }
                let skipped = folder.skippedFileCount > 0 ? ", \(folder.skippedFileCount) non-PNG file(s) skipped" : ""
                return DataInput(path: path, samples: samples, labels: nil, test: nil,
                                 kind: "folder of \(folder.count) PNG images (\(reused ? "cache reused" : "decoded into") \(cache)\(skipped))")
            } catch {
                throw .dataset(error)
            }
        }
    }
}

extension Communicator {
    /// `text` from rank 0 on every rank (its UTF-8 bytes, after their count).
    func broadcastText(_ text: String) throws(MPIError) -> String {
        var count: [Int32] = [Int32(text.utf8.count)]
        try broadcast(&count)
        var bytes = isRoot ? text.utf8.map { Int32($0) } : [Int32](repeating: 0, count: Int(count[0]))
        try broadcast(&bytes)
        return String(decoding: bytes.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
    }
}
