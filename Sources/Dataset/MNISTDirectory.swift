import SystemIO

/// A directory in the MNIST layout: `train-images-idx3-ubyte`,
/// `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
/// `t10k-labels-idx1-ubyte`, each optionally gzipped (`.gz`).
///
/// The labels files may be absent: a VAE trains on images alone.
///
/// Debian's `dataset-fashion-mnist` installs Fashion-MNIST this way in
/// ``defaultPath``; MNIST, KMNIST and similar sets work unchanged.
public struct MNISTDirectory: Sendable {
    public static let defaultPath = "/usr/share/datasets/fashion-mnist"

    public let path: String
    public let train: ImageSet
    public let test: ImageSet

    public init(path: String) throws(DatasetError) {
        let train = try ImageSet(imagesPath: try Self.locate("train-images-idx3-ubyte", in: path),
                                 labelsPath: try Self.locateIfPresent("train-labels-idx1-ubyte", in: path))
        let testImages = try Self.locate("t10k-images-idx3-ubyte", in: path)
        let test = try Self.testSet(path: path)
        guard test.rows == train.rows, test.columns == train.columns else {
            throw .imageSizeMismatch(path: testImages, rows: test.rows, columns: test.columns,
                                     expectedRows: train.rows, expectedColumns: train.columns)
        }
        self.path = path
        self.train = train
        self.test = test
    }

    /// The test set alone (evaluation and pictures need no training data).
    public static func testSet(path: String) throws(DatasetError) -> ImageSet {
        try ImageSet(imagesPath: try locate("t10k-images-idx3-ubyte", in: path),
                     labelsPath: try locateIfPresent("t10k-labels-idx1-ubyte", in: path))
    }

    private static func locate(_ name: String, in path: String) throws(DatasetError) -> String {
        guard let found = try locateIfPresent(name, in: path) else { throw .missing(directory: path, expected: name) }
        return found
    }

    private static func locateIfPresent(_ name: String, in path: String) throws(DatasetError) -> String? {
        if let problem = Files.directoryProblem(path) { throw .unreadable(path: path, reason: problem) }
        return ["\(path)/\(name)", "\(path)/\(name).gz"].first { Files.exists($0) }
    }
}
