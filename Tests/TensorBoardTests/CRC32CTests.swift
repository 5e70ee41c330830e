import Foundation
import Testing
import TestSupport
@testable import TensorBoard

/// CRC-32C against published check values and an independent bit-by-bit
/// implementation, because a wrong table still produces plausible numbers.
struct CRC32CTests {
    @Test func standardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    /// The iSCSI test vectors of RFC 3720, appendix B.4.
    @Test func rfc3720Vectors() {
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
    }

    @Test func maskRotatesAndOffsets() {
        #expect(CRC32C.mask(0) == 0xA282_EAD8)
        #expect(CRC32C.mask(1) == (1 << 17) &+ 0xA282_EAD8)
        #expect(CRC32C.mask(0x8000) == 1 &+ 0xA282_EAD8)
        let crc = CRC32C.checksum(Array("123456789".utf8))
        #expect(CRC32C.masked(Array("123456789".utf8)) == ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
    }

    /// Python's own computation: a bitwise CRC-32C (no table), run by
    /// python3, over payloads of many lengths and values.
    @Test func matchesPythonBitwiseComputation() {
        let payloads: [[UInt8]] = (0..<40).map { length in
            (0..<(length * 37 % 300)).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ length &* 17) }
        }
        let script = """
        import sys
        def crc32c(data):
            crc = 0xFFFFFFFF
            for byte in data:
                crc ^= byte
                for _ in range(8):
                    crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
            return crc ^ 0xFFFFFFFF
        def masked(data):
            crc = crc32c(data)
            return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF
        for line in open(sys.argv[1]).read().split("\\n"):
            data = bytes.fromhex(line[1:])
            print(crc32c(data), masked(data))
        """
        let input = payloads.map { "x" + $0.map { String(format: "%02x", $0) }.joined() }.joined(separator: "\n")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("crc32c-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(FileManager.default.createFile(atPath: file.path, contents: Data(input.utf8)))
        let result = Command.execute("/usr/bin/env", ["python3", "-c", script, file.path], timeout: 60)
        #expect(result.status == 0, "python3 failed: \(result.error)")
        let expected = result.output.split(separator: "\n").map { line in
            line.split(separator: " ").compactMap { UInt32($0) }
        }
        #expect(expected.count == payloads.count)
        for (payload, pair) in zip(payloads, expected) {
            #expect(pair == [CRC32C.checksum(payload), CRC32C.masked(payload)], "length \(payload.count)")
        }
    }
}
