import Foundation
import Tensors
import Testing
@testable import Training
@testable import VAE
@testable import Checkpoints

/// Hand-made hostile files, each refused with a one-line message that says
/// what is wrong, before anything is allocated for what the file claims.
@Suite struct HostileFileTests {
    func refusal(_ file: [UInt8]) throws -> String {
        let error = try #require(checkpointError { _ = try Checkpoint.decode(file, path: "f") })
        #expect(!error.description.contains("\n"), "one line: \(error)")
        return error.description
    }

    func withHeader(_ header: String, data: [UInt8] = []) -> [UInt8] {
        var parts = SafetensorsParts(SafeTensors.encode([], metadata: [:]))
        parts.header = header
        parts.data = data
        return parts.bytes
    }

    @Test func filesOfOtherKindsAreNotSafetensors() throws {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8) + Array(repeating: 0, count: 40)
        #expect(try refusal(png) == "f: not a valid vae-dist checkpoint: not a safetensors file (no JSON header after the 8-byte length)")
        #expect(try refusal(Array("epoch,step,loss\n1,10,250.5\n".utf8)).contains("not a safetensors file"))
        #expect(try refusal([]) == "f: not a valid vae-dist checkpoint: the file is empty, not a safetensors file")
        #expect(try refusal([1, 2, 3]).contains("too short to be a safetensors file"))
    }

    @Test func headerLengthLiesAreCaught() throws {
        var file = sampleCheckpoint().encoded()
        for lie: UInt64 in [0, 1, UInt64(file.count - 7), UInt64(Int.max), .max] {
            withUnsafeBytes(of: lie.littleEndian) { file.replaceSubrange(0..<8, with: $0) }
            let message = try refusal(file)
            #expect(message.contains("header length") || message.contains("header JSON"), "\(lie): \(message)")
        }
    }

    @Test func shapesWhoseProductOverflowsAreRefused() throws {
        let header = #"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#
        #expect(try refusal(withHeader(header)).contains("shape [4294967296, 4294967296] has more elements than memory can hold"))
        let wide = #"{"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}}"#
        #expect(try refusal(withHeader(wide)).contains("more elements"))
        let huge = #"{"a":{"dtype":"F32","shape":[99999999999999999999999],"data_offsets":[0,4]}}"#
        #expect(try refusal(withHeader(huge, data: [0, 0, 0, 0])).contains("non-negative integers that fit in 64 bits"))
    }

    @Test func offsetsOutOfRangeOverlappingOrLeavingGapsAreRefused() throws {
        let data = [UInt8](repeating: 0, count: 8)
        func tensors(_ a: String, _ b: String) -> String {
            #"{"a":{"dtype":"F32","shape":[1],"data_offsets":["# + a + #"]},"b":{"dtype":"F32","shape":[1],"data_offsets":["# + b + "]}}"
        }
        #expect(try refusal(withHeader(tensors("0,4", "4,12"), data: data)).contains("lie outside the 8-byte data section"))
        #expect(try refusal(withHeader(tensors("0,4", "9223372036854775803,9223372036854775807"), data: data)).contains("outside"))
        #expect(try refusal(withHeader(tensors("4,0", "0,4"), data: data)).contains("outside"))
        #expect(try refusal(withHeader(tensors("0,4", "2,6"), data: data)).contains("overlaps"))
        #expect(try refusal(withHeader(tensors("0,4", "0,4"), data: data)).contains("overlaps"))
        #expect(try refusal(withHeader(tensors("0,4", "4,8"), data: data + [1])).contains("the tensors cover 8"))
        #expect(try refusal(withHeader(tensors("0,4", "-4,0"), data: data)).contains("non-negative"))
        #expect(try refusal(withHeader(tensors("0,4.0", "4,8"), data: data)).contains("non-negative integers"))
    }

    @Test func malformedJSONIsOneLineNamingTheByte() throws {
        #expect(try refusal(withHeader(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#, data: [0, 0, 0, 0]))
            .contains("header JSON: unexpected end inside an object at byte"))
        #expect(try refusal(withHeader(#"{"__metadata__":{"x":"1","x":"2"}}"#)).contains(#"duplicate key "x""#))
        #expect(try refusal(withHeader("{\"a\nb\":1}")).contains("control character"))
        #expect(try refusal(withHeader(#"{"a\u0000\n":[]}"#)).contains(#"tensor "a\0\n" is an array"#))
        #expect(try refusal(withHeader(#"{"a":"# + String(repeating: "[", count: 100_000))).contains("nested more than"))
        #expect(try refusal(withHeader(#"{"\ud800":1}"#)).contains("surrogate"))
        #expect(try refusal(withHeader("{\"\u{FF}\":1}")).contains("tensor"))
        var invalidUTF8 = withHeader(#"{"ab":1}"#)
        invalidUTF8[10] = 0xFF
        #expect(try refusal(invalidUTF8).contains("not valid UTF-8"))
    }

    @Test func aHugeArchitectureClaimIsRefusedBeforeAllocating() throws {
        let file = sampleCheckpoint().encoded()
        for (inputSize, hidden, latent) in [("1000000000", "1000000000", "2"), ("9223372036854775807", "5,4", "2"),
                                            ("3037000500", "3037000500,3037000500", "1")] {
            let claim = try forged(file) { metadata in
                metadata["input_size"] = inputSize
                metadata["hidden"] = hidden
                metadata["latent"] = latent
                metadata["architecture"] = ([inputSize] + hidden.split(separator: ",").map(String.init) + [latent]).joined(separator: "-")
            }
            #expect(try refusal(claim).contains("whose tensors cannot fit in the file's"))
        }
    }

    @Test func architectureFieldsMustBePositiveAndAgree() throws {
        let file = sampleCheckpoint().encoded()
        let cases: [(String, String, String)] = [
            ("input_size", "0", "outside 1..."), ("latent", "-2", "outside 1..."), ("hidden", "5,,4", "not a list of positive integers"),
            ("hidden", "5,0", "not a list"), ("hidden", "+5,4", "not a list"), ("input_size", "09", "not an integer"),
            ("architecture", "9-5-4-3", "but input_size, hidden and latent give"),
        ]
        for (key, value, expected) in cases {
            let message = try refusal(try forged(file) { $0[key] = value })
            #expect(message.contains(expected), "\(key)=\(value): \(message)")
        }
    }

    @Test func progressAndConfigurationFieldsAreRangeChecked() throws {
        let file = sampleCheckpoint().encoded()
        let cases: [(String, String)] = [
            ("step", "-1"), ("step", "9007199254740993"), ("step", "1e3"), ("step", " 37"), ("steps_per_epoch", "0"),
            ("steps_per_epoch", "2147483648"), ("epoch", "4"), ("adam_step", "38"), ("skipped_steps", "38"),
            ("batch_size", "0"), ("accumulate", "-1"), ("world_size", "0"), ("deterministic_shards", "-1"),
            ("epoch_samples", "-448"), ("seed", "-1"), ("seed", "18446744073709551616"), ("learning_rate", "0"),
            ("learning_rate", "nan"), ("beta", "-1"), ("beta", "inf"), ("epoch_loss_sum", "1e999"),
            ("reconstruction", "l1\n"), ("metric_test_loss", "fast"), ("format_version", "02"), ("format", "other"),
        ]
        for (key, value) in cases {
            let message = try refusal(try forged(file) { $0[key] = value })
            #expect(message.contains(key.replacingOccurrences(of: "_", with: key == "format_version" ? " " : "_")), "\(key)=\(value): \(message)")
        }
        for key in ["step", "content_crc32", "format_version", "hidden", "seed"] {
            let message = try refusal(try forged(file) { $0[key] = nil })
            #expect(message.contains(key), "without \(key): \(message)")
        }
    }

    @Test func theParameterCountIsOverflowChecked() {
        for architecture in [Architecture(inputSize: 784, hidden: [400], latent: 20), Architecture(inputSize: 9, hidden: [5, 4], latent: 2),
                             Architecture(inputSize: 3, hidden: [], latent: 1)] {
            #expect(architecture.checkedParameterCount == ParameterLayout(architecture).count)
        }
        #expect(Architecture(inputSize: 1 << 32, hidden: [1 << 32], latent: 1).checkedParameterCount == nil)
        #expect(Architecture(inputSize: Int.max, hidden: [], latent: 1).checkedParameterCount == nil)
        #expect(Architecture(inputSize: 1 << 62, hidden: [1], latent: 1).checkedParameterCount == nil)
    }
}

/// `train --init`'s reader: any safetensors file with the model's tensors.
@Suite struct ModelFileTests {
    let architecture = Architecture(inputSize: 9, hidden: [5, 4], latent: 2)

    @Test func anExportAndACheckpointBothInitializeAModel() throws {
        let checkpoint = sampleCheckpoint()
        let export = ModelFile.encoded(architecture: architecture, objective: checkpoint.objective, parameters: checkpoint.parameters)
        for file in [export, checkpoint.encoded()] {
            let parameters = FloatBuffer(count: checkpoint.parameters.count).all
            try ModelFile.decode(file, path: "m", into: parameters, architecture: architecture)
            #expect(parameters.array == checkpoint.parameters.array)
        }
    }

    @Test func anotherShapeNamesTheTensorAndSaysInitialize() throws {
        let export = ModelFile.encoded(architecture: architecture, objective: Objective(reconstruction: .bce, beta: 1),
                                       parameters: sampleCheckpoint().parameters)
        let other = Architecture(inputSize: 9, hidden: [6, 4], latent: 2)
        let parameters = FloatBuffer(count: ParameterLayout(other).count).all
        let error = try #require(checkpointError { try ModelFile.decode(export, path: "m", into: parameters, architecture: other) })
        #expect(error.description == "m: cannot initialize the model from this file: tensor encoder.0.weight is [5, 9], a 9-6-4-2 VAE needs [6, 9]")
        #expect(parameters.array.allSatisfy { $0 == 0 }, "nothing is copied from a file that does not fit")
    }
}
