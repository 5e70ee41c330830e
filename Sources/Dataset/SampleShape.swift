/// The shape of one sample: a flat row of `features` values, which for
/// image data is `height × width × channels` with channels interleaved
/// (HWC, the layout NumPy, PNG and the model's pictures share).
public struct SampleShape: Equatable, Sendable, CustomStringConvertible {
    public struct Image: Equatable, Sendable {
        public let height: Int
        public let width: Int
        /// 1 (grey) or 3 (RGB).
        public let channels: Int
    }

    public let features: Int
    /// Nil for data that is not images (a (N, D) array).
    public let image: Image?

    public init(features: Int) {
        precondition(features > 0, "a sample needs at least one feature")
        self.features = features
        image = nil
    }

    public init(height: Int, width: Int, channels: Int) {
        precondition(height > 0 && width > 0, "image sides must be positive")
        precondition(channels == 1 || channels == 3, "images have 1 or 3 channels, not \(channels)")
        features = height * width * channels
        image = Image(height: height, width: width, channels: channels)
    }

    public var description: String {
        guard let image else { return "\(features) features" }
        return "\(image.width)x\(image.height) \(image.channels == 1 ? "grey" : "RGB")"
    }
}
