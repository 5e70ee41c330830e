/// One contiguous, 64-byte aligned, zero-initialized block of `Float`s.
///
/// The model keeps every parameter in one of these and every gradient in
/// another, so a single allreduce (or a single checkpoint write) moves all of
/// them. Layers and activations are ``Vector`` and ``Matrix`` views into a
/// buffer; nothing above this module sees the pointer.
///
/// It is a class because views share it: a view must see writes made through
/// any other view of the same storage. Not safe for concurrent writes; each
/// rank runs its step on one thread.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    package let base: UnsafeMutablePointer<Float>

    public init(count: Int) {
        precondition(count >= 0, "FloatBuffer count must be non-negative")
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        base = raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
        self.count = count
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        for (index, value) in values.enumerated() { base[index] = value }
    }

    deinit {
        base.deinitialize(count: max(count, 1))
        UnsafeMutableRawPointer(base).deallocate()
    }

    public subscript(index: Int) -> Float {
        get {
            precondition(index >= 0 && index < count, "FloatBuffer index out of range")
            return base[index]
        }
        set {
            precondition(index >= 0 && index < count, "FloatBuffer index out of range")
            base[index] = newValue
        }
    }

    /// The whole buffer as one vector view.
    public var all: Vector { Vector(buffer: self, offset: 0, count: count) }

    public func vector(offset: Int, count: Int) -> Vector {
        Vector(buffer: self, offset: offset, count: count)
    }

    public func matrix(offset: Int, rows: Int, columns: Int) -> Matrix {
        Matrix(buffer: self, offset: offset, rows: rows, columns: columns)
    }
}
