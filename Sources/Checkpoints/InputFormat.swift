import Dataset
import Tensors

/// What a model knows of the data it was trained on, so every command that
/// reads or writes data in the user's units (`eval`, `encode`, `decode`,
/// `sample`, `reconstruct`, the pictures) treats it as training did: the
/// sample shape (for image grids, and to check other data against), the
/// normalization, and whether inputs were binarized.
public struct InputFormat: Equatable, Sendable {
    public var shape: SampleShape
    /// How the training data was stored: bytes are read as x/255, so values
    /// written back in the data's units are multiplied by 255 again.
    public var element: StoredElement
    public var normalization: Normalization
    public var binarize: Bool

    public init(shape: SampleShape, element: StoredElement = .uint8, normalization: Normalization = .identity,
                binarize: Bool = false) {
        precondition(normalization.mode == .none || normalization.shift.count == shape.features,
                     "normalization of \(normalization.shift.count) features for \(shape)")
        self.shape = shape
        self.element = element
        self.normalization = normalization
        self.binarize = binarize
    }

    /// What a file from before the format recorded it implies: grey square
    /// images when the input size is a square (MNIST-like), else vectors.
    public static func assumed(inputSize: Int) -> InputFormat {
        let side = Int(Double(inputSize).squareRoot().rounded())
        return InputFormat(shape: side * side == inputSize ? SampleShape(height: side, width: side, channels: 1)
                                                            : SampleShape(features: inputSize))
    }

    /// `input_dtype` metadata: NumPy's name of the stored element.
    var elementField: String {
        switch element {
        case .uint8: "uint8"
        case .float32: "float32"
        case .float64: "float64"
        }
    }

    static func element(fromField text: String) -> StoredElement? {
        [StoredElement.uint8, .float32, .float64].first { InputFormat(shape: SampleShape(features: 1), element: $0).elementField == text }
    }

    /// The numpy shape of `count` samples: (N, D) for vectors, (N, H, W) for
    /// grey images and (N, H, W, 3) for colour, as such inputs come.
    public func arrayShape(count: Int) -> [Int] {
        guard let image = shape.image else { return [count, shape.features] }
        return image.channels == 1 ? [count, image.height, image.width] : [count, image.height, image.width, image.channels]
    }

    /// The factor from the model's [0, 1] scale of stored bytes back to the data's units.
    public var storedScale: Float { element == .uint8 ? 255 : 1 }

    /// `input_shape` metadata: `H,W,C` for images, `D` for vectors.
    var shapeField: String {
        guard let image = shape.image else { return String(shape.features) }
        return "\(image.height),\(image.width),\(image.channels)"
    }

    static func shape(fromField numbers: [Int], inputSize: Int) -> SampleShape? {
        switch numbers.count {
        case 1 where numbers[0] == inputSize:
            return SampleShape(features: inputSize)
        case 3 where (numbers[2] == 1 || numbers[2] == 3)
            && numbers[0].multipliedReportingOverflow(by: numbers[1]).partialValue == inputSize / numbers[2]
            && inputSize % numbers[2] == 0 && numbers[0] <= inputSize && numbers[1] <= inputSize:
            return SampleShape(height: numbers[0], width: numbers[1], channels: numbers[2])
        default:
            return nil
        }
    }
}
