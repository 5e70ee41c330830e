import Foundation
import HDF5
import Testing

/// The safe HDF5 layer on its own: attributes, strings, filters, hyperslabs
/// and its errors.
@Suite(.enabled(if: Fixtures.available, Comment(rawValue: Fixtures.need)))
struct HDF5WrapperTests {
    @Test func attributesOfEveryKindAnnDataWrites() throws {
        let root = try HDF5File(readingAt: try Fixtures.path("csr32.h5ad")).root()
        let x = try root.group("X")
        #expect(try x.stringAttribute("encoding-type") == "csr_matrix")
        #expect(try x.attributeType("encoding-type") == .string(variableLength: true))
        #expect(try x.integersAttribute("shape") == [7, 5])
        #expect(try root.group("var").stringsAttribute("column-order") == ["highly_variable", "nullable", "mean"])
        #expect(try !root.group("uns").hasAttribute("column-order"))
        #expect(try root.group("layers").stringAttribute("encoding-type") == "dict")
        #expect(throws: HDF5Error.missingAttribute(path: x.filePath, object: "/X", attribute: "nope")) { try x.stringAttribute("nope") }
    }

    @Test func fixedLengthStringsAndNumberConversion() throws {
        let matrix = try HDF5File(readingAt: try Fixtures.path("tenx-v3.h5")).root().group("matrix")
        let names = try matrix.group("features").dataset("name")
        #expect(names.elementType == .string(variableLength: false))
        #expect(try names.readStrings() == ["F0", "F1", "F2", "F3", "F4", "F5"])
        let shape = try matrix.dataset("shape")
        #expect(shape.elementType == .signedInteger(bytes: 4))
        #expect(try shape.read(Double.self) == [6, 7])
        #expect(try shape.read(UInt8.self, rows: 1..<2) == [7])
        #expect(throws: HDF5Error.outOfRange(path: shape.filePath, object: "/matrix/shape", requested: "rows 1..<3", available: "2 rows")) {
            try shape.read(Int64.self, rows: 1..<3)
        }
        #expect(throws: HDF5Error.unsupportedType(path: names.filePath, object: "/matrix/features/name",
                                                  found: "fixed-length strings", expected: "numbers")) {
            try names.read(Float.self)
        }
    }

    @Test func filtersAreListedAndLZFIsAvailable() throws {
        let gzip = try HDF5File(readingAt: try Fixtures.path("gzip.h5ad")).root().group("X").dataset("data")
        #expect(try gzip.filters().contains { $0.id == 1 && $0.isAvailable && $0.description == "gzip (HDF5 filter 1)" })
        let lzf = try HDF5File(readingAt: try Fixtures.path("lzf.h5ad")).root().group("X").dataset("data")
        let pipeline = try lzf.filters()
        #expect(pipeline.map(\.id).contains(32000), "\(pipeline)")
        #expect(pipeline.allSatisfy { $0.isAvailable }, "Debian's hdf5-plugin-lzf and liblzf1 must be installed: \(pipeline)")
        #expect(HDF5Error.filterUnavailable(path: "f.h5ad", object: "/X/data", filter: "LZF (HDF5 filter 32000)").description
                == "f.h5ad: /X/data is compressed with LZF (HDF5 filter 32000), which this libhdf5 cannot decode; install its plugin (Debian: apt-get install hdf5-plugin-lzf liblzf1) or rewrite the file with gzip compression")
    }

    @Test func missingObjectsAndWrongKindsAreNamed() throws {
        let path = try Fixtures.path("csr32.h5ad")
        let root = try HDF5File(readingAt: path).root()
        #expect(throws: HDF5Error.missing(path: path, object: "/nope")) { try root.group("nope") }
        #expect(throws: HDF5Error.wrongKind(path: path, object: "/X", expected: "dataset", found: "group")) { try root.dataset("X") }
        #expect(root.kind(of: "layers") == .group)
        #expect(try root.group("layers").memberNames() == ["float64", "int32", "int64", "uint16", "uint32"])
    }

    @Test func booleanEnumsAreRecognised() throws {
        let variables = try HDF5File(readingAt: try Fixtures.path("dense.h5ad")).root().group("var")
        let column = try variables.dataset("highly_variable")
        #expect(column.elementType.isBoolean)
        #expect(try column.readEnumerationCodes() == [1, 0, 1, 0, 1])
    }
}
