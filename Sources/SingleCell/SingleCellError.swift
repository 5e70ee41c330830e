import Dataset
import HDF5

/// Why a single-cell file could not be used. Each case names the file and
/// says in one line what is wrong and, where there is one, the fix.
public enum SingleCellError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The HDF5 layer failed: not HDF5, truncated, a missing object or filter.
    case hdf5(HDF5Error)
    /// The sparse row cache could not be written or read.
    case cache(DatasetError)
    /// HDF5, but neither AnnData nor 10x Cell Ranger.
    case unrecognized(path: String, found: [String])
    /// AnnData written before encoding-type attributes (anndata < 0.7).
    case oldAnnData(path: String, reason: String)
    case cscMatrix(path: String, object: String)
    case unsupportedEncoding(path: String, object: String, encoding: String)
    /// A matrix whose values are not numbers (strings, bool, compound).
    case unsupportedValues(path: String, object: String, found: String)
    case missingLayer(path: String, layer: String, available: [String])
    case missingRaw(path: String)
    case missingColumn(path: String, frame: String, column: String, available: [String])
    case wrongColumnType(path: String, object: String, found: String, expected: String)
    case tenXVersion2(path: String, genomes: [String])
    case noGeneExpression(path: String, featureTypes: [String])
    /// A matrix with no genes (N × 0) or no cells (0 × N): nothing to train on.
    case empty(path: String, object: String, missing: String)
    /// A shape this machine cannot hold (memory, or disk for the cache).
    case tooLarge(path: String, reason: String)
    /// A stop signal (SIGINT, SIGTERM) arrived while the sparse cache was built.
    case interrupted(path: String, signal: Int32)
    /// The arrays contradict each other or themselves (indptr, indices, shape, codes).
    case inconsistent(path: String, object: String, problem: String)

    public var description: String {
        switch self {
        case let .hdf5(error):
            error.description
        case let .cache(error):
            error.description
        case let .unrecognized(path, found):
            "\(path): HDF5, but neither AnnData (.h5ad: X, obs, var) nor 10x Cell Ranger (.h5: matrix/); it holds "
                + (found.isEmpty ? "nothing" : found.prefix(8).joined(separator: ", "))
        case let .oldAnnData(path, reason):
            "\(path): written by anndata before 0.7 (\(reason)); rewrite it once in Python: anndata.read_h5ad(f).write_h5ad(g)"
        case let .cscMatrix(path, object):
            "\(path): \(object) is a csc_matrix (stored by gene); store it by cell once in Python: adata.X = adata.X.tocsr() (for a layer: adata.layers[name] = adata.layers[name].tocsr()), then adata.write_h5ad(f)"
        case let .unsupportedEncoding(path, object, encoding):
            "\(path): \(object) has encoding-type '\(encoding)', expected a dense array or a csr_matrix"
        case let .unsupportedValues(path, object, found):
            "\(path): \(object) holds \(found), expected numbers (float32/64, int8-64, uint8-64)"
        case let .missingLayer(path, layer, available):
            "\(path): no layer '\(layer)'; " + (available.isEmpty ? "the file has no layers" : "its layers: " + available.joined(separator: ", "))
        case let .missingRaw(path):
            "\(path): has no raw/X (adata.raw is unset)"
        case let .missingColumn(path, frame, column, available):
            "\(path): \(frame) has no column '\(column)'; " + (available.isEmpty ? "it has no columns" : "its columns: " + available.prefix(20).joined(separator: ", "))
        case let .wrongColumnType(path, object, found, expected):
            "\(path): \(object) is \(found), expected \(expected)"
        case let .tenXVersion2(path, genomes):
            "\(path): a Cell Ranger v2 file (genome group \(genomes.joined(separator: ", "))), which is not supported; convert it once in Python: scanpy.read_10x_h5(f).write_h5ad(g)"
        case let .noGeneExpression(path, featureTypes):
            "\(path): no 'Gene Expression' features (its feature types: \(featureTypes.joined(separator: ", ")))"
        case let .empty(path, object, missing):
            "\(path) has no \(missing) (\(object) is empty)"
        case let .tooLarge(path, reason):
            "\(path): \(reason)"
        case let .interrupted(path, signal):
            "\(path): the sparse cache build was interrupted (signal \(signal)); nothing was kept"
        case let .inconsistent(path, object, problem):
            "\(path): \(object): \(problem)"
        }
    }
}

/// Runs an HDF5 step, wrapping its error.
func hdf5<Result>(_ body: () throws(HDF5Error) -> Result) throws(SingleCellError) -> Result {
    do {
        return try body()
    } catch {
        throw .hdf5(error)
    }
}
