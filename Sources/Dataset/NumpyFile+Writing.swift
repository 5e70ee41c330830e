extension NumpyFile {
    /// A `.npy` file (version 1.0, C order, little-endian float32) holding
    /// `values` with `shape`: what `encode`, `decode`, `sample` and
    /// `reconstruct` write, readable by `np.load` as it is.
    public static func encoded(_ values: [Float], shape: [Int]) -> [UInt8] {
        precondition(shape.reduce(1, *) == values.count, "\(values.count) values for shape \(shape)")
        var bytes = NumpyHeader.encode(descr: "<f4", shape: shape)
        bytes.reserveCapacity(bytes.count + 4 * values.count)
        for value in values {
            let bits = value.bitPattern.littleEndian
            bytes += [UInt8(truncatingIfNeeded: bits), UInt8(truncatingIfNeeded: bits >> 8),
                      UInt8(truncatingIfNeeded: bits >> 16), UInt8(truncatingIfNeeded: bits >> 24)]
        }
        return bytes
    }

    /// A `.npy` file of unsigned bytes (`|u1`), e.g. labels beside latents.
    public static func encoded(_ values: [UInt8], shape: [Int]) -> [UInt8] {
        precondition(shape.reduce(1, *) == values.count, "\(values.count) values for shape \(shape)")
        return NumpyHeader.encode(descr: "|u1", shape: shape) + values
    }
}
