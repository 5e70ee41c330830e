import SystemIO
import Tensors

/// A NumPy `.npy` file used as training data, memory-mapped, never read whole.
///
/// Supported: dtypes `|u1` (also `<u1`; scaled by 1/255 like IDX images),
/// `<f4` and `<f8` (rounded to Float as rows are gathered); C order; shapes
/// (N, D), (N, H, W) (grey images) and (N, H, W, C) with C = 1 or 3. Every
/// size is computed with overflow checks and compared with the file's size
/// before anything is read, so a corrupt header is reported, never trusted.
public struct NumpyFile: Sendable {
    public let path: String
    public let samples: SampleMatrix

    public init(path: String) throws(DatasetError) {
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        } catch {
            throw .unreadable(path: path, reason: error.reason)
        }
        let (_, _, dataOffset) = try NumpyHeader.preamble(file.bytes(in: 0..<min(12, file.byteCount)),
                                                          fileSize: file.byteCount, path: path)
        let header = try NumpyHeader(bytes: file.bytes(in: 0..<dataOffset), fileSize: file.byteCount, path: path)
        let layout = try NumpyLayout(header: header, fileSize: file.byteCount, path: path)
        self.path = path
        samples = SampleMatrix(storage: .mapped(file, byteOffset: header.dataOffset), count: layout.count,
                               shape: layout.shape, element: layout.element, source: path)
    }
}

/// What a parsed header means for training, once every rule is checked.
struct NumpyLayout: Equatable {
    let element: StoredElement
    let count: Int
    let shape: SampleShape

    init(header: NumpyHeader, fileSize: Int, path: String) throws(DatasetError) {
        element = try Self.element(header.descr, path: path)
        guard !header.fortranOrder || header.shape.count < 2 else { throw .fortranOrder(path: path) }
        let dimensions = header.shape
        switch dimensions.count {
        case 0, 1:
            throw .unsupportedShape(path: path, shape: dimensions,
                                    reason: "has \(dimensions.count) dimension\(dimensions.count == 1 ? "" : "s"); save rows of samples, e.g. a.reshape(len(a), -1)")
        case 2...4:
            break
        default:
            throw .unsupportedShape(path: path, shape: dimensions,
                                    reason: "has \(dimensions.count) dimensions; save (N, D), (N, H, W) or (N, H, W, C)")
        }
        if dimensions.count == 4, dimensions[3] != 1, dimensions[3] != 3 {
            throw .unsupportedShape(path: path, shape: dimensions,
                                    reason: "has \(dimensions[3]) channels, expected 1 (grey) or 3 (RGB); e.g. drop alpha with a[..., :3]")
        }
        // Every product is checked: the header is untrusted until it matches the file.
        var bytes = element.byteWidth
        for dimension in dimensions {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw .shapeOverflow(path: path, shape: dimensions) }
            bytes = product
        }
        let (expected, overflow) = header.dataOffset.addingReportingOverflow(bytes)
        guard !overflow else { throw .shapeOverflow(path: path, shape: dimensions) }
        guard dimensions[0] > 0 else { throw .empty(path: path) }
        guard dimensions.dropFirst().allSatisfy({ $0 > 0 }) else {
            throw .unsupportedShape(path: path, shape: dimensions, reason: "has samples of no values")
        }
        guard fileSize >= expected else { throw .truncated(path: path, expected: expected, actual: fileSize) }
        guard fileSize == expected else { throw .trailingBytes(path: path, expected: expected, actual: fileSize) }
        count = dimensions[0]
        switch dimensions.count {
        case 2: shape = SampleShape(features: dimensions[1])
        case 3: shape = SampleShape(height: dimensions[1], width: dimensions[2], channels: 1)
        default: shape = SampleShape(height: dimensions[1], width: dimensions[2], channels: dimensions[3])
        }
    }

    private static func element(_ descr: String, path: String) throws(DatasetError) -> StoredElement {
        switch descr {
        case "|u1", "<u1": return .uint8
        case "<f4": return .float32
        case "<f8": return .float64
        case ">f4", ">f8": throw .bigEndian(path: path, descr: descr)
        default: throw .unsupportedDtype(path: path, descr: descr)
        }
    }
}
