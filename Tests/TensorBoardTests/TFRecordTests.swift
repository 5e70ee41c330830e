import Testing
@testable import TensorBoard

/// The record framing, byte by byte, and the reader's checks.
struct TFRecordTests {
    @Test func frameLayout() {
        let payload = Array("hello".utf8)
        let record = TFRecord.frame(payload)
        #expect(record.count == payload.count + 16)
        #expect(Array(record[0..<8]) == [5, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(record[8..<12]) == TFRecord.littleEndianBytes(CRC32C.masked([5, 0, 0, 0, 0, 0, 0, 0])))
        #expect(Array(record[12..<17]) == payload)
        #expect(Array(record[17..<21]) == TFRecord.littleEndianBytes(CRC32C.masked(payload)))
        #expect(TFRecord.littleEndianBytes(UInt32(0x0102_0304)) == [4, 3, 2, 1])
    }

    @Test func emptyPayload() throws {
        let record = TFRecord.frame([])
        #expect(record.count == 16)
        #expect(try TFRecord.payloads(in: record, path: "x") == [[]])
    }

    @Test func readsBackConsecutiveRecords() throws {
        let payloads: [[UInt8]] = [[1], [], Array(repeating: 7, count: 1000), Array("end".utf8)]
        let file = payloads.flatMap(TFRecord.frame)
        #expect(try TFRecord.payloads(in: file, path: "x") == payloads)
    }

    @Test func rejectsEveryCorruptedByteAndTornTail() {
        let file = TFRecord.frame(Array("abc".utf8)) + TFRecord.frame(Array("defgh".utf8))
        for index in file.indices {
            var corrupt = file
            corrupt[index] ^= 0x40
            #expect(throws: TensorBoardError.self, "byte \(index)") { try TFRecord.payloads(in: corrupt, path: "x") }
        }
        for length in 1..<file.count where length != 19 {
            #expect(throws: TensorBoardError.self, "\(length) bytes") {
                try TFRecord.payloads(in: Array(file[0..<length]), path: "x")
            }
        }
    }
}
