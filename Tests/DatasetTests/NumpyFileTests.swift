import Foundation
import Testing
import Tensors
import TestSupport
@testable import Dataset

/// .npy files written by NumPy itself, read through the mapped reader.
@Suite struct NumpyFileTests {
    /// The values every test array holds, by flat index: bytes cycle through
    /// 0…250, floats are `i · 0.37 − 5` computed in float64 (as NumPy does)
    /// and then cast.
    static func expected(_ index: Int, element: StoredElement) -> Float {
        switch element {
        case .uint8: Float(UInt8(index % 251)) * (1 / 255 as Float)
        case .float32, .float64: Float(Double(index) * 0.37 - 5)
        }
    }

    /// Writes `np.lib.format.write_array` files: one per (dtype, shape,
    /// version), named `<dtype>-<shape>-v<major>.npy`.
    static let writer = #"""
    import sys, numpy as np
    out = sys.argv[1]
    for dtype in ["|u1", "<u1", "<f4", "<f8"]:
        for shape in [(5, 7), (4, 3, 2), (3, 2, 3, 1), (2, 3, 2, 3)]:
            n = int(np.prod(shape))
            if dtype.endswith("u1"):
                a = (np.arange(n) % 251).astype(dtype)
            else:
                a = (np.arange(n, dtype=np.float64) * 0.37 - 5.0).astype(dtype)
            a = a.reshape(shape)
            for version in [(1, 0), (2, 0), (3, 0)]:
                name = "%s-%s-v%d.npy" % (dtype[0].replace("|", "p").replace("<", "l") + dtype[1:], "x".join(map(str, shape)), version[0])
                with open(out + "/" + name, "wb") as f:
                    np.lib.format.write_array(f, a, version=version)
    """#

    @Test func readsEveryDtypeShapeAndVersionExactly() throws {
        let directory = try TemporaryDirectory.make(prefix: "npy").path
        _ = python(Self.writer, [directory])
        let shapes: [(name: String, dims: [Int], expected: SampleShape)] = [
            ("5x7", [5, 7], SampleShape(features: 7)),
            ("4x3x2", [4, 3, 2], SampleShape(height: 3, width: 2, channels: 1)),
            ("3x2x3x1", [3, 2, 3, 1], SampleShape(height: 2, width: 3, channels: 1)),
            ("2x3x2x3", [2, 3, 2, 3], SampleShape(height: 3, width: 2, channels: 3)),
        ]
        let dtypes: [(String, StoredElement)] = [("pu1", .uint8), ("lu1", .uint8), ("lf4", .float32), ("lf8", .float64)]
        var checked = 0
        for (dtype, element) in dtypes {
            for shape in shapes {
                for version in 1...3 {
                    let path = "\(directory)/\(dtype)-\(shape.name)-v\(version).npy"
                    let samples = try NumpyFile(path: path).samples
                    #expect(samples.count == shape.dims[0], "\(path)")
                    #expect(samples.shape == shape.expected, "\(path)")
                    #expect(samples.element == element, "\(path)")
                    let order = Array((0..<samples.count).reversed())
                    let matrix = Matrix(buffer: FloatBuffer(count: samples.count * samples.features), offset: 0,
                                        rows: samples.count, columns: samples.features)
                    samples.gather(rows: order, into: matrix)
                    for (r, row) in order.enumerated() {
                        for c in 0..<samples.features {
                            let want = Self.expected(row * samples.features + c, element: element)
                            #expect(matrix[r, c] == want, "\(path) row \(row) column \(c)")
                        }
                    }
                    checked += 1
                }
            }
        }
        #expect(checked == 48)
    }

    /// Header and sizes of a 3 × 4 float32 array, as NumPy writes it.
    static func goodFile() -> [UInt8] {
        NumpyHeader.encode(descr: "<f4", shape: [3, 4]) + [UInt8](repeating: 0, count: 48)
    }

    static func error(_ bytes: [UInt8]) throws -> DatasetError? {
        let path = try TemporaryDirectory.make(prefix: "npy-bad").appendingPathComponent("bad.npy").path
        try write(bytes, to: path)
        do {
            _ = try NumpyFile(path: path)
            return nil
        } catch {
            return error
        }
    }

    static func header(_ dictionary: String, version: UInt8 = 1, data: Int = 0) -> [UInt8] {
        var text = Array(dictionary.utf8)
        while (10 + text.count + 1) % 64 != 0 { text.append(0x20) }
        text.append(0x0A)
        let length = text.count
        let lengthBytes: [UInt8] = version == 1
            ? [UInt8(length & 0xff), UInt8(length >> 8)]
            : [UInt8(length & 0xff), UInt8(length >> 8 & 0xff), 0, 0]
        return NumpyHeader.magic + [version, 0] + lengthBytes + text + [UInt8](repeating: 0, count: data)
    }

    /// Each broken file gets the error naming its problem, in one line.
    @Test func refusesEveryBrokenFileWithItsOwnError() throws {
        let good = Self.goodFile()
        let offset = good.count - 48
        func expectError(_ bytes: [UInt8], _ check: (DatasetError) -> Bool, _ what: String) throws {
            let found = try Self.error(bytes)
            #expect(found.map(check) == true, "\(what): \(String(describing: found))")
            #expect(found?.description.contains("\n") == false, "\(what): one line")
        }
        try expectError(Array(good.dropLast(5)), { $0 == .truncated(path: $0.path, expected: offset + 48, actual: offset + 43) }, "truncated body")
        try expectError(Array(good.prefix(40)), { $0 == .truncated(path: $0.path, expected: offset, actual: 40) }, "truncated header")
        try expectError(Array(good.prefix(4)), { if case .truncated = $0 { true } else { false } }, "truncated magic")
        try expectError(good + [1, 2, 3], { $0 == .trailingBytes(path: $0.path, expected: offset + 48, actual: offset + 51) }, "trailing bytes")
        try expectError(Array("PK\u{3}\u{4}hello world".utf8), { $0.description.contains("not a .npy file") }, "wrong magic")
        var version = good
        version[6] = 4
        try expectError(version, { $0 == .unsupportedNumpyVersion(path: $0.path, major: 4, minor: 0) }, "version 4.0")
        version[6] = 1
        version[7] = 1
        try expectError(version, { $0 == .unsupportedNumpyVersion(path: $0.path, major: 1, minor: 1) }, "version 1.1")
        let overflow = Self.header("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4611686018427387904), }")
        try expectError(overflow, { if case .shapeOverflow = $0 { true } else { false } }, "shape product overflow")
        let hugeDimension = Self.header("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999, 2), }")
        try expectError(hugeDimension, { $0.description.contains("too large") }, "dimension beyond Int")
        let lie = Self.header("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000), }", data: 48)
        try expectError(lie, { $0 == .truncated(path: $0.path, expected: lie.count - 48 + 4_000_000_000, actual: lie.count) },
                        "shape bigger than the file")
        let empty = Self.header("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }")
        try expectError(empty, { if case .empty = $0 { true } else { false } }, "zero rows")
        let noFeatures = Self.header("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 0), }")
        try expectError(noFeatures, { $0.description.contains("no values") }, "zero features")
        let notTuple = Self.header("{'descr': '<f4', 'fortran_order': False, 'shape': (3), }")
        try expectError(notTuple, { $0.description.contains("not a tuple") }, "(3) is not a tuple")
        let extraKey = Self.header("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), 'x': 1}", data: 48)
        try expectError(extraKey, { $0.description.contains("unexpected key 'x'") }, "unknown key")
        let structured = Self.header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3, 4), }", data: 48)
        try expectError(structured, { $0.description.contains("structured") }, "structured dtype")
    }

    /// Bad arrays NumPy itself writes.
    static let badWriter = #"""
    import sys, numpy as np
    out = sys.argv[1]
    np.save(out + "/int64.npy", np.arange(12, dtype="<i8").reshape(3, 4))
    np.save(out + "/big.npy", np.arange(12, dtype=">f4").reshape(3, 4))
    np.save(out + "/big8.npy", np.arange(12, dtype=">f8").reshape(3, 4))
    np.save(out + "/fortran.npy", np.asfortranarray(np.arange(12, dtype="<f4").reshape(3, 4)))
    np.save(out + "/vector.npy", np.arange(12, dtype="<f4"))
    np.save(out + "/empty.npy", np.zeros((0, 4), dtype="<f4"))
    np.save(out + "/rgba.npy", np.zeros((2, 3, 3, 4), dtype="|u1"))
    np.save(out + "/complex.npy", np.zeros((2, 3), dtype="<c8"))
    np.save(out + "/object.npy", np.array([[1, "a"]], dtype=object), allow_pickle=True)
    np.save(out + "/five.npy", np.zeros((2, 1, 1, 1, 1), dtype="<f4"))
    """#

    @Test func refusesWhatNumPyWritesButTrainingCannotUse() throws {
        let directory = try TemporaryDirectory.make(prefix: "npy-numpy-bad").path
        _ = python(Self.badWriter, [directory])
        func message(_ name: String) -> String {
            do {
                _ = try NumpyFile(path: "\(directory)/\(name)")
                return "accepted"
            } catch {
                return error.description
            }
        }
        let path = { (name: String) in "\(directory)/\(name)" }
        #expect(message("int64.npy") == "\(path("int64.npy")): dtype '<i8' is not supported (only '|u1', '<f4' and '<f8' are); convert with a.astype('<f4')")
        #expect(message("big.npy") == "\(path("big.npy")): dtype '>f4' is big-endian; fix the byte order: use a.astype('<f4')")
        #expect(message("big8.npy").hasSuffix("use a.astype('<f8')"))
        #expect(message("fortran.npy") == "\(path("fortran.npy")): array is in Fortran order; save np.ascontiguousarray(a) instead")
        #expect(message("vector.npy").hasPrefix("\(path("vector.npy")): shape (12,) has 1 dimension;"))
        #expect(message("empty.npy") == "\(path("empty.npy")): holds no samples")
        #expect(message("rgba.npy").contains("has 4 channels, expected 1 (grey) or 3 (RGB)"))
        #expect(message("complex.npy").contains("dtype '<c8' is not supported"))
        #expect(message("object.npy").contains("dtype '|O' is not supported"))
        #expect(message("five.npy").contains("has 5 dimensions"))
        #expect(message("missing.npy").hasPrefix("\(path("missing.npy")): cannot read:"))
    }

    @Test func encodedHeadersAreWhatNumPyReads() throws {
        let path = try TemporaryDirectory.make(prefix: "npy-encode").appendingPathComponent("a.npy").path
        try write(NumpyHeader.encode(descr: "|u1", shape: [2, 3, 2, 1]) + Array(0..<12), to: path)
        let output = python("import sys, numpy as np; a = np.load(sys.argv[1]); print(a.dtype, a.shape, int(a.sum()))", [path])
        #expect(output == "uint8 (2, 3, 2, 1) 66\n")
        #expect(NumpyHeader.encode(descr: "<f4", shape: [3, 4]).count % 64 == 0)
    }
}

extension DatasetError {
    /// The file a test's error names (every case names one).
    var path: String {
        String(description.prefix { $0 != ":" })
    }
}
