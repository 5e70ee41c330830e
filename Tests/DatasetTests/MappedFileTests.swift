import Foundation
import SystemIO
import Testing
import TestSupport

@Suite struct MappedFileTests {
    @Test func mapsAFileAndCopiesRanges() throws {
        let path = try TemporaryDirectory.make(prefix: "map").appendingPathComponent("f").path
        try write(Array(0..<100), to: path)
        let file = try MappedFile(path: path)
        #expect(file.byteCount == 100)
        #expect(file.bytes(in: 10..<14) == [10, 11, 12, 13])
        #expect(file.bytes(in: 100..<100) == [])
    }

    @Test func mapsAnEmptyFile() throws {
        let path = try TemporaryDirectory.make(prefix: "map").appendingPathComponent("empty").path
        try write([], to: path)
        let file = try MappedFile(path: path)
        #expect(file.byteCount == 0 && file.bytes(in: 0..<0) == [])
    }

    @Test func failuresNameThePath() throws {
        let directory = try TemporaryDirectory.make(prefix: "map").path
        do {
            _ = try MappedFile(path: directory + "/missing")
            Issue.record("a missing file must not map")
        } catch {
            #expect(error.description == directory + "/missing: No such file or directory")
        }
        do {
            _ = try MappedFile(path: directory)
            Issue.record("a directory must not map")
        } catch {
            #expect(error.description == directory + ": is a directory, not a file")
        }
    }
}
