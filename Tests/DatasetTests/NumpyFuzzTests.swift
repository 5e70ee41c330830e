import Foundation
import Randomness
import Tensors
import Testing
import TestSupport
@testable import Dataset

/// Thousands of mutated `.npy` files, from a fixed seed: each must end in a
/// thrown DatasetError or a parse whose sizes agree with the file. A trap
/// (overflow, out-of-range index, failed precondition) would end the test
/// process, so reaching the end is the proof.
@Suite struct NumpyFuzzTests {
    static let tokens = ["{", "}", "(", ")", ",", ", ", ":", " ", "\n", "'descr'", "'shape'", "'fortran_order'", "'<f4'",
                         "'|u1'", "'<f8'", "'>f4'", "'<i8'", "True", "False", "0", "1", "3", "12", "-1", "L",
                         "99999999999999999999", "4611686018427387904", "\"", "'", "[", "]", "\\", "é", "\u{0}"]

    static func validFiles() -> [[UInt8]] {
        var files = [[UInt8]]()
        for (descr, width) in [("|u1", 1), ("<f4", 4), ("<f8", 8)] {
            for shape in [[3, 4], [2, 3, 2], [2, 2, 2, 3], [1, 1]] {
                let data = (0..<(shape.reduce(1, *) * width)).map { UInt8(truncatingIfNeeded: $0 &* 37) }
                let header = NumpyHeader.encode(descr: descr, shape: shape)
                files.append(header + data)
                // The same header as a version 2.0 and 3.0 file.
                let text = Array(header[10...])
                let length = text.count + 2
                var padded = text
                padded.insert(contentsOf: [0x20, 0x20], at: padded.count - 1)
                for version: UInt8 in [2, 3] {
                    files.append(NumpyHeader.magic + [version, 0] + [UInt8(length & 0xff), UInt8(length >> 8), 0, 0] + padded + data)
                }
            }
        }
        return files
    }

    static func randomDictionary(using generator: inout SplitMix64) -> String {
        if generator.next() % 2 == 0 {
            // Structurally plausible: random dtype, order and shape.
            let descr = ["'<f4'", "'|u1'", "'<f8'", "'>f4'", "'<i8'", "'|O'", "''", "'<u1'"].randomElement(using: &generator) ?? "''"
            let dimensions = Int(generator.next() % 6)
            let values = ["0", "1", "2", "3", "7", "65536", "4294967296", "4611686018427387904", "9223372036854775807"]
            let shape = (0..<dimensions).map { _ in values.randomElement(using: &generator) ?? "1" }
            let tuple = dimensions == 1 ? "(\(shape[0]),)" : "(" + shape.joined(separator: ", ") + ")"
            let order = generator.next() % 4 == 0 ? "True" : "False"
            return "{'descr': \(descr), 'fortran_order': \(order), 'shape': \(tuple), }"
        }
        let count = Int(generator.next() % 30)
        return (0..<count).map { _ in tokens.randomElement(using: &generator) ?? "" }.joined()
    }

    static func mutate(_ base: [UInt8], using generator: inout SplitMix64) -> [UInt8] {
        var bytes = base
        switch generator.next() % 7 {
        case 0:  // byte flips, mostly in the header
            for _ in 0...(generator.next() % 8) where !bytes.isEmpty {
                let limit = generator.next() % 4 == 0 ? bytes.count : min(bytes.count, 140)
                bytes[Int(generator.next() % UInt64(limit))] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
            }
        case 1:  // truncation
            bytes.removeLast(Int(generator.next() % UInt64(bytes.count + 1)))
        case 2:  // a header length that lies
            let lie = [0, 1, 9, 63, 64, 65, 255, 65535, Int(generator.next() % 70_000)].randomElement(using: &generator) ?? 0
            if bytes.count > 11 {
                bytes[8] = UInt8(lie & 0xff)
                bytes[9] = UInt8(lie >> 8 & 0xff)
                if bytes[6] != 1 { bytes[10] = UInt8(generator.next() % 3); bytes[11] = 0 }
            }
        case 3:  // a random dict in a well-formed preamble
            let version = UInt8(1 + generator.next() % 3)
            var text = Array(randomDictionary(using: &generator).utf8)
            text += [UInt8](repeating: 0x20, count: Int(generator.next() % 70)) + [0x0A]
            let length = text.count
            let preamble: [UInt8] = version == 1
                ? [UInt8(length & 0xff), UInt8(length >> 8)]
                : [UInt8(length & 0xff), UInt8(length >> 8), 0, 0]
            let data = [UInt8](repeating: 0x3F, count: Int(generator.next() % 200))
            bytes = NumpyHeader.magic + [version, 0] + preamble + text + data
        case 4:  // trailing bytes
            bytes += (0..<(1 + generator.next() % 16)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        case 5:  // flips in the last bytes only: still a valid file, with other values (NaN and infinities among them)
            for _ in 0...(generator.next() % 8) {
                let tail = min(bytes.count, 16)
                bytes[bytes.count - 1 - Int(generator.next() % UInt64(tail))] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
            }
        default:  // random bytes altogether
            bytes = (0..<(generator.next() % 80)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if generator.next() % 2 == 0 { bytes = NumpyHeader.magic + bytes }
        }
        return bytes
    }

    @Test func everyMutationIsRefusedOrParsedNeverATrap() throws {
        let path = try TemporaryDirectory.make(prefix: "npy-fuzz").appendingPathComponent("fuzz.npy").path
        let bases = Self.validFiles()
        var generator = SplitMix64(seed: 0x4E50_595F_4655_5A5A)
        var parsed = 0
        var refused = [String: Int]()
        for _ in 0..<3000 {
            let base = bases[Int(generator.next() % UInt64(bases.count))]
            let bytes = Self.mutate(base, using: &generator)
            try write(bytes, to: path)
            do {
                let samples = try NumpyFile(path: path).samples
                #expect(samples.count > 0 && samples.features > 0 && samples.dataByteCount <= bytes.count)
                // A parse must be usable: gather every row and scan them.
                let matrix = Matrix(buffer: FloatBuffer(count: samples.count * samples.features), offset: 0,
                                    rows: samples.count, columns: samples.features)
                samples.gather(rows: 0..<samples.count, into: matrix)
                _ = samples.scan(rows: 0..<samples.count)
                _ = samples.digest
                parsed += 1
            } catch {
                #expect(!error.description.contains("\n"))
                refused[String(describing: error).prefix { $0 != "(" }.description, default: 0] += 1
            }
        }
        #expect(parsed > 200, "the fuzzer should keep some files valid")
        #expect(refused.count >= 8, "the fuzzer should reach many kinds of error: \(refused)")
    }
}
