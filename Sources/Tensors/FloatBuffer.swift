/// One contiguous block of `Float`s: 64-byte aligned and zero-initialized when
/// the buffer allocates it itself (on 2 MiB pages from 1 MiB on: see
/// ``PageBacking``).
///
/// The model keeps every parameter in one of these and every gradient in
/// another, so a single allreduce (or a single checkpoint write) moves all of
/// them. Layers and activations are ``Vector`` and ``Matrix`` views into a
/// buffer; nothing above this module sees the pointer.
///
/// It is a class because views share it: a view must see writes made through
/// any other view of the same storage. Not safe for concurrent writes; each
/// rank runs its step on one thread.
///
/// A buffer may also borrow memory it did not allocate (a segment of an MPI
/// shared-memory window, which other processes of the node see too): it
/// then keeps the memory's owner alive and never frees the memory itself.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    package let base: UnsafeMutablePointer<Float>
    /// The owner of borrowed memory; nil when this buffer allocated its own.
    private let owner: AnyObject?

    public init(count: Int) {
        precondition(count >= 0, "FloatBuffer count must be non-negative")
        let raw = PageBacking.allocate(byteCount: max(count, 1) * MemoryLayout<Float>.stride)
        base = raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 1))
        self.count = count
        owner = nil
    }

    /// `count` floats at `base`, owned by `owner` (kept alive by this
    /// buffer, and responsible for the memory's lifetime). The contents are
    /// left as they are, and the alignment is whatever `base` has.
    package init(borrowing base: UnsafeMutablePointer<Float>, count: Int, owner: AnyObject) {
        precondition(count >= 0, "FloatBuffer count must be non-negative")
        self.base = base
        self.count = count
        self.owner = owner
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        for (index, value) in values.enumerated() { base[index] = value }
    }

    deinit {
        guard owner == nil else { return }
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
