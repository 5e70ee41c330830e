/// A run of `count` floats inside a ``FloatBuffer``.
public struct Vector: @unchecked Sendable {
    public let buffer: FloatBuffer
    public let offset: Int
    public let count: Int

    public init(buffer: FloatBuffer, offset: Int, count: Int) {
        precondition(offset >= 0 && count >= 0 && offset + count <= buffer.count,
                     "Vector [\(offset), \(offset + count)) outside buffer of \(buffer.count)")
        self.buffer = buffer
        self.offset = offset
        self.count = count
    }

    public subscript(index: Int) -> Float {
        get {
            precondition(index >= 0 && index < count, "Vector index out of range")
            return buffer.base[offset + index]
        }
        nonmutating set {
            precondition(index >= 0 && index < count, "Vector index out of range")
            buffer.base[offset + index] = newValue
        }
    }

    /// Read-only, bounds-checked access for element loops above this module.
    public func withSpan<R, E: Error>(_ body: (Span<Float>) throws(E) -> R) throws(E) -> R {
        let elements = UnsafeBufferPointer(start: buffer.base + offset, count: count)
        return try body(elements.span)
    }

    /// Mutable, bounds-checked access for element loops above this module.
    public func withMutableSpan<R, E: Error>(_ body: (inout MutableSpan<Float>) throws(E) -> R) throws(E) -> R {
        let elements = UnsafeMutableBufferPointer(start: buffer.base + offset, count: count)
        var span = elements.mutableSpan
        return try body(&span)
    }

    public func fill(_ value: Float) {
        (buffer.base + offset).update(repeating: value, count: count)
    }

    public func copy(from source: Vector) {
        precondition(source.count == count, "copy between vectors of different lengths")
        (buffer.base + offset).update(from: source.buffer.base + source.offset, count: count)
    }

    public func copy(from values: [Float]) {
        precondition(values.count == count, "copy of \(values.count) values into a vector of \(count)")
        values.withUnsafeBufferPointer { (buffer.base + offset).update(from: $0.baseAddress!, count: count) }
    }

    public func slice(from start: Int, count length: Int) -> Vector {
        precondition(start >= 0 && length >= 0 && start + length <= count, "Vector slice out of range")
        return Vector(buffer: buffer, offset: offset + start, count: length)
    }

    public var array: [Float] { Array(UnsafeBufferPointer(start: buffer.base + offset, count: count)) }

    /// True when every element is finite (no NaN, no infinity).
    ///
    /// Computed as Σ x·0, which is 0 for finite x and NaN as soon as one x is
    /// NaN or ±∞: a plain sum vectorizes, a per-element test does not, and
    /// this runs over every gradient of every step. Four independent sums
    /// (any order gives the same answer) keep the adds from waiting on each
    /// other; the lanes are loaded directly (building a SIMD8 from a buffer's
    /// elements was a per-element loop, 1.5% of a step).
    public var isFinite: Bool {
        let x = buffer.base + offset
        var sums = (SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>(), SIMD8<Float>())
        var index = 0
        while index + 32 <= count {
            sums.0 += x.lanes(at: index) * 0
            sums.1 += x.lanes(at: index + 8) * 0
            sums.2 += x.lanes(at: index + 16) * 0
            sums.3 += x.lanes(at: index + 24) * 0
            index += 32
        }
        while index + 8 <= count {
            sums.0 += x.lanes(at: index) * 0
            index += 8
        }
        var total = ((sums.0 + sums.1) + (sums.2 + sums.3)).sum()
        while index < count {
            total += x[index] * 0
            index += 1
        }
        return total == 0
    }

    /// The little-endian bytes of the elements, for checkpoint files.
    public var littleEndianBytes: [UInt8] {
        let raw = UnsafeRawBufferPointer(start: buffer.base + offset, count: count * MemoryLayout<Float>.stride)
        #if _endian(little)
        return Array(raw)
        #else
        return array.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }
        #endif
    }

    /// Overwrites the elements from little-endian float bytes.
    public func load(littleEndianBytes bytes: ArraySlice<UInt8>) {
        precondition(bytes.count == count * MemoryLayout<Float>.stride, "byte count does not match vector length")
        var index = 0
        var position = bytes.startIndex
        while index < count {
            let bits = UInt32(bytes[position]) | UInt32(bytes[position + 1]) << 8
                | UInt32(bytes[position + 2]) << 16 | UInt32(bytes[position + 3]) << 24
            buffer.base[offset + index] = Float(bitPattern: bits)
            index += 1
            position += 4
        }
    }

    package func overlaps(_ other: Vector) -> Bool {
        buffer === other.buffer && offset < other.offset + other.count && other.offset < offset + count
    }
}
