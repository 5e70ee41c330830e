import SystemIO

extension Matrix {
    /// Fills row `r` with the values of stored row `rowIndices[r]`, decoded
    /// from `element` and multiplied by its ``StoredElement/scale``: one batch
    /// copied from a memory-mapped dataset into the model's input. Stored row
    /// `i` starts at `byteOffset + i · columns · element.byteWidth`.
    public func gatherRows(from file: MappedFile, byteOffset: Int, element: StoredElement,
                           rowIndices: some Collection<Int>) {
        file.withUnsafeBytes { bytes in
            gatherRows(from: bytes, byteOffset: byteOffset, element: element, rowIndices: rowIndices)
        }
    }

    /// The same gather from stored values held in memory.
    public func gatherRows(from source: [UInt8], byteOffset: Int, element: StoredElement,
                           rowIndices: some Collection<Int>) {
        source.withUnsafeBytes { bytes in
            gatherRows(from: bytes, byteOffset: byteOffset, element: element, rowIndices: rowIndices)
        }
    }

    /// Copies the row numbers into a plain buffer first: this module cannot
    /// specialize for the caller's collection type (a lazy map over the
    /// epoch's order), and walking it generically row by row looked up
    /// runtime type metadata for every row (~0.7% of a training step).
    private func gatherRows(from bytes: UnsafeRawBufferPointer, byteOffset: Int, element: StoredElement,
                            rowIndices: some Collection<Int>) {
        precondition(rowIndices.count == rows, "gathering \(rowIndices.count) rows into \(rows)")
        withUnsafeTemporaryAllocation(of: Int.self, capacity: rows) { indices in
            var count = 0
            for index in rowIndices {
                precondition(count < rows, "gathering more rows than the collection counted")
                indices.initializeElement(at: count, to: index)
                count += 1
            }
            precondition(count == rows, "gathering \(count) rows into \(rows)")
            gatherRows(from: bytes, byteOffset: byteOffset, element: element, indices: UnsafeBufferPointer(indices))
            indices.deinitialize()
        }
    }

    private func gatherRows(from bytes: UnsafeRawBufferPointer, byteOffset: Int, element: StoredElement,
                            indices: UnsafeBufferPointer<Int>) {
        let rowBytes = columns * element.byteWidth
        let available = bytes.count - byteOffset
        precondition(byteOffset >= 0 && available >= 0, "gather offset \(byteOffset) outside \(bytes.count) bytes")
        guard rowBytes > 0, let base = bytes.baseAddress else { return }
        let scale = element.scale
        for (r, index) in indices.enumerated() {
            precondition(index >= 0 && index < available / rowBytes, "gather row \(index) out of range")
            let from = base + byteOffset + index * rowBytes
            let to = buffer.base + offset + r * columns
            switch element {
            case .uint8:
                let values = from.assumingMemoryBound(to: UInt8.self)
                for c in 0..<columns { to[c] = Float(values[c]) * scale }
            case .float32:
                for c in 0..<columns {
                    to[c] = Float(bitPattern: UInt32(littleEndian: from.loadUnaligned(fromByteOffset: 4 * c, as: UInt32.self)))
                }
            case .float64:
                for c in 0..<columns {
                    to[c] = Float(Double(bitPattern: UInt64(littleEndian: from.loadUnaligned(fromByteOffset: 8 * c, as: UInt64.self))))
                }
            }
        }
    }
}
