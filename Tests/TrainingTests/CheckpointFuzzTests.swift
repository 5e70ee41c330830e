import Foundation
import Randomness
import Tensors
import Testing
@testable import Training
@testable import VAE
@testable import Checkpoints

/// Thousands of seeded mutations of valid files (version-1 and version-2
/// checkpoints, a model export), each read as a checkpoint and as a model.
/// Every read must end in a thrown CheckpointError with a one-line message,
/// or in a success that passed its checksum; the test finishing at all shows
/// that no input traps. A failure reproduces from the seed and the case index
/// in its message.
@Suite struct CheckpointFuzzTests {
    static let seed: UInt64 = 0x5AFE_7E25_0125
    static let cases = 4000

    struct Base {
        let name: String
        let bytes: [UInt8]
        /// The state a checkpoint that passes a version-2 checksum must
        /// hold: the unmutated file's, as `encoded()` writes it.
        let state: [UInt8]?
    }

    struct Outcome: CustomStringConvertible {
        var refused = [String: Int]()
        var accepted = 0
        var acceptedVersion1 = 0
        var modelRefused = 0
        var modelAccepted = 0

        var description: String {
            "checkpoint: \(accepted) accepted (\(acceptedVersion1) of them version 1), refused \(refused.sorted { $0.key < $1.key }); model: \(modelAccepted) accepted, \(modelRefused) refused"
        }
    }

    @Test func mutatedFilesAreRefusedOrPassTheirChecksum() throws {
        let version2 = sampleCheckpoint().encoded()
        let version1 = try version1Fixture()
        let version1State = try Checkpoint.decode(version1, path: "v1").encoded()
        let modelArchitecture = Architecture(inputSize: 9, hidden: [5, 4], latent: 2)
        let export = ModelFile.encoded(architecture: modelArchitecture, objective: Objective(reconstruction: .bce, beta: 1),
                                       parameters: sampleCheckpoint().parameters)
        let bases = [Base(name: "v2", bytes: version2, state: version2), Base(name: "v1", bytes: version1, state: version1State),
                     Base(name: "model", bytes: export, state: nil)]

        var generator = SplitMix64(seed: Self.seed)
        var outcome = Outcome()
        let started = Date()
        for index in 0..<Self.cases {
            let base = bases[index % bases.count]
            var mutator = Mutator(file: base.bytes, generator: SplitMix64(seed: generator.next()))
            let (kind, mutated) = mutator.mutate()
            let label = "case \(index) (\(base.name), \(kind))"

            do {
                let decoded = try Checkpoint.decode(mutated, path: "f")
                #expect(decoded.checksumMatches, "\(label)")
                outcome.accepted += 1
                if decoded.fileFormatVersion == 1 {
                    outcome.acceptedVersion1 += 1
                } else if let state = base.state, kind != Mutator.forgery {
                    // Version 2's checksum covers everything the state is made
                    // of, so only a forger (who rewrites it) can change the state.
                    #expect(decoded.encoded() == state ? true : false, "\(label): a mutation changed the state unnoticed")
                }
            } catch {
                #expect(!error.description.contains("\n"), "\(label): \(error.description)")
                outcome.refused[Self.category(of: error), default: 0] += 1
            }

            let architecture = base.name == "v1" ? Architecture(inputSize: 4, hidden: [3], latent: 2) : modelArchitecture
            let parameters = FloatBuffer(count: ParameterLayout(architecture).count).all
            do {
                try ModelFile.decode(mutated, path: "f", into: parameters, architecture: architecture)
                outcome.modelAccepted += 1
            } catch {
                #expect(!error.description.contains("\n"), "\(label): \(error.description)")
                outcome.modelRefused += 1
            }
        }
        let seconds = Date().timeIntervalSince(started)
        print("fuzz: \(Self.cases) cases in \(String(format: "%.1f", seconds)) s; \(outcome)")
        #expect(outcome.refused.values.reduce(0, +) + outcome.accepted == Self.cases)
        #expect(outcome.refused.values.reduce(0, +) > Self.cases / 2, "most mutations must be refused: \(outcome)")
        #expect(outcome.refused["checksum", default: 0] > 0 && outcome.refused["malformed", default: 0] > 0)
    }

    static func category(of error: CheckpointError) -> String {
        switch error {
        case .unreadable: "unreadable"
        case .malformed: "malformed"
        case .checksumMismatch: "checksum"
        case .unsupportedVersion: "version"
        case .incompatible: "incompatible"
        }
    }
}

/// One random mutation of a safetensors file. Header edits keep the length
/// field in step with the header, so they reach the JSON reader and the
/// checks behind it rather than all failing at the length.
struct Mutator {
    var parts: SafetensorsParts
    let file: [UInt8]
    var generator: SplitMix64

    init(file: [UInt8], generator: SplitMix64) {
        self.file = file
        parts = SafetensorsParts(file)
        self.generator = generator
    }

    /// The kind of mutation that rewrites the checksum to match.
    static let forgery = "metadata value with a matching checksum"

    static let fragments = [
        "{", "}", "[", "]", ",", ":", "\"", "\\", "null", "true", "false", "1e999", "-1", "0", "1.5", "\"x\":1",
        "\"__metadata__\":{}", "[[[[[[[[[[[[[[[[[[[[[[[[", "\\u0000", "\\ud800", "\\uDC00\\uD800", "\u{7F}", "é", " ", "\n",
        "\"dtype\":\"F16\"", "\"shape\":[]", "\"data_offsets\":[0]", "99999999999999999999",
    ]
    static let numbers = [
        "99999999999999999999999", "-1", "1.5", "1e308", "9223372036854775807", "-9223372036854775808", "0", "4294967296",
        "0x10", "", "-0", "2147483648", "9007199254740993", "1e3", "NaN", " 7", "007",
    ]
    static let hugeShapes = [
        "[4294967296,4294967296]", "[9223372036854775807,2]", "[3037000500,3037000500]", "[0,9223372036854775807]",
        "[2305843009213693952]", "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]",
    ]

    mutating func pick<T>(_ choices: [T]) -> T {
        choices[Int(generator.next() % UInt64(choices.count))]
    }

    mutating func below(_ bound: Int) -> Int {
        bound <= 0 ? 0 : Int(generator.next() % UInt64(bound))
    }

    mutating func mutate() -> (String, [UInt8]) {
        switch below(10) {
        case 0: return ("header byte flips", flipBytes(in: 8..<(8 + parts.header.utf8.count)))
        case 1: return ("data byte flips", flipBytes(in: (file.count - parts.data.count)..<file.count))
        case 2: return ("truncation", Array(file.prefix(below(file.count))))
        case 3: return ("header length lie", lieAboutTheHeaderLength())
        case 4:
            var header = parts.header
            header.insert(contentsOf: pick(Self.fragments), at: header.index(header.startIndex, offsetBy: below(header.count + 1)))
            return ("JSON fragment", rebuilt(header))
        case 5:
            return ("number replaced", rebuilt(replacingRandomMatch(of: #"-?[0-9][0-9.eE+-]*"#, with: pick(Self.numbers))))
        case 6:
            return ("huge shape", rebuilt(replacingRandomMatch(of: #"\[[0-9,]*\]"#, with: pick(Self.hugeShapes))))
        case 7:
            var header = parts.header
            if let range = randomMatch(of: #""[a-z_.0-9]+":("[^"]*"|\{[^}]*\})"#) {
                header.insert(contentsOf: String(header[range]) + ",", at: range.lowerBound)
            }
            return ("duplicate key", rebuilt(header))
        case 8:
            let data = parts.data.count
            let ends = [0, 4, data - 4, data, data + 1, Int.max, Int.max - 3]
            let offsets = "\"data_offsets\":[\(pick(ends)),\(pick(ends))]"
            return ("offsets", rebuilt(replacingRandomMatch(of: #""data_offsets":\[[0-9]+,[0-9]+\]"#, with: offsets)))
        default: return (Self.forgery, forgedMetadata())
        }
    }

    mutating func flipBytes(in range: Range<Int>) -> [UInt8] {
        var bytes = file
        for _ in 0..<(1 + below(4)) where !range.isEmpty {
            bytes[range.lowerBound + below(range.count)] ^= UInt8(truncatingIfNeeded: 1 + below(255))
        }
        return bytes
    }

    mutating func lieAboutTheHeaderLength() -> [UInt8] {
        let honest = UInt64(parts.header.utf8.count)
        let lie = pick([0, 1, 2, honest - 1, honest + 1, UInt64(file.count - 8), UInt64(file.count - 7), UInt64(Int.max), .max,
                        generator.next()])
        var bytes = file
        withUnsafeBytes(of: lie.littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
        return bytes
    }

    func rebuilt(_ header: String) -> [UInt8] {
        var edited = parts
        edited.header = header
        return edited.bytes
    }

    /// The range of a random match of `pattern` in the header.
    mutating func randomMatch(of pattern: String) -> Range<String.Index>? {
        let header = parts.header
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return nil }
        let matches = expression.matches(in: header, range: NSRange(header.startIndex..., in: header))
        guard !matches.isEmpty else { return nil }
        return Range(pick(matches).range, in: header)
    }

    /// The header with a random match of `pattern` replaced.
    mutating func replacingRandomMatch(of pattern: String, with replacement: String) -> String {
        var header = parts.header
        if let range = randomMatch(of: pattern) { header.replaceSubrange(range, with: replacement) }
        return header
    }

    /// A metadata value set to something hostile with the checksum made to
    /// match again, so only the range checks stand in the way.
    mutating func forgedMetadata() -> [UInt8] {
        let keys = ["input_size", "hidden", "latent", "architecture", "step", "epoch", "steps_per_epoch", "batch_size",
                    "accumulate", "seed", "world_size", "adam_step", "skipped_steps", "epoch_samples", "learning_rate",
                    "beta", "epoch_loss_sum", "reconstruction", "format_version", "metric_test_loss", "deterministic_shards"]
        let values = Self.numbers + ["1000000000", "1000000000,1000000000", "5,,4", "5,0", "3037000500,3037000500", "inf",
                                     "nan", "mse", "bce", "2", "1", "l1", "9-5-4-2", "1000000000-2"]
        let key = pick(keys)
        let value = pick(values)
        return (try? forged(file) { $0[key] = value }) ?? file
    }
}
