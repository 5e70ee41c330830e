import ArgumentParser
import PropertyBased
import SystemIO
import Testing
@testable import vae_dist

/// Every numeric flag of every command, fed random values across the whole
/// `Int` range (and small and large sub-ranges, where the bounds are): each
/// value is either accepted and within the bounds that keep every later
/// allocation and product in range, or refused by validation with one line
/// naming the flag. A trap would end this test process.
@Suite struct FlagBoundsTests {
    /// Whole range, small values around the bounds, and large ones.
    static let anyInt = Gen.oneOf(Gen.int(), Gen.int(in: -3...300), Gen.int(in: 1...(1 << 40)))
    static let memory = Double(PhysicalMemory.bytes ?? .max)

    /// The command, or its one-line refusal.
    func parse<C: ParsableCommand>(_ command: C.Type, _ arguments: [String]) -> Result<C, RefusalMessage> {
        do {
            return .success(try C.parse(arguments))
        } catch {
            return .failure(RefusalMessage(text: C.message(for: error)))
        }
    }

    struct RefusalMessage: Error { let text: String }

    func expectRefusal(_ refusal: RefusalMessage, names flag: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!refusal.text.contains("\n"), "one line: \(refusal.text)", sourceLocation: sourceLocation)
        #expect(refusal.text.contains(flag), "'\(flag)' not named in: \(refusal.text)", sourceLocation: sourceLocation)
    }

    /// A lower bound on what `train` would allocate for input size 1, in
    /// Double (which cannot overflow): the parameters × 10 copies and the
    /// activations of the batch and the evaluation model.
    static func trainingBytes(hidden: [Int], latent: Int, batch: Int) -> Double {
        let widths = [1.0] + hidden.map(Double.init)
        var parameters = zip(widths, widths.dropFirst()).map { $0 * $1 + $1 }.reduce(0, +)
        parameters += 2 * (widths.last! * Double(latent) + Double(latent))
        let decoder = [Double(latent)] + hidden.reversed().map(Double.init) + [1]
        parameters += zip(decoder, decoder.dropFirst()).map { $0 * $1 + $1 }.reduce(0, +)
        let row = 4 + 4 * hidden.map(Double.init).reduce(0, +) + 7 * Double(latent) + 1
        return 4 * (parameters * 10 + row * (Double(batch) + 256))
    }

    @Test(arguments: ["--latent", "--batch-size", "--hidden"])
    func trainSizesAreAcceptedOnlyWhenTheyFitInMemory(flag: String) async {
        await propertyCheck(count: 150, input: Self.anyInt) { value in
            switch parse(Train.self, [flag, String(value)]) {
            case let .success(train):
                let bytes = Self.trainingBytes(hidden: train.hidden.widths, latent: train.latent, batch: train.batchSize)
                #expect(bytes <= Self.memory, "\(flag) \(value) accepted though it needs \(bytes) bytes")
                #expect(train.latent > 0 && train.batchSize > 0 && train.hidden.widths.allSatisfy { $0 > 0 })
            case let .failure(refusal):
                expectRefusal(refusal, names: flag)
            }
        }
    }

    @Test func twoHiddenLayersAreBoundedTogether() async {
        await propertyCheck(count: 100, input: Gen.int(in: 1...(1 << 33)), Gen.int(in: 1...(1 << 33))) { first, second in
            switch parse(Train.self, ["--hidden", "\(first),\(second)"]) {
            case let .success(train):
                #expect(Self.trainingBytes(hidden: train.hidden.widths, latent: 20, batch: 128) <= Self.memory)
            case let .failure(refusal):
                expectRefusal(refusal, names: "--hidden")
            }
        }
    }

    @Test func accumulateTimesTheBatchStaysCountable() async {
        await propertyCheck(count: 150, input: Self.anyInt, Gen.int(in: 1...4096)) { accumulate, batch in
            switch parse(Train.self, ["--accumulate", String(accumulate), "--batch-size", String(batch)]) {
            case let .success(train):
                #expect(train.accumulate >= 1)
                #expect(Double(train.accumulate) * Double(train.batchSize) < Double(Int.max))
            case let .failure(refusal):
                expectRefusal(refusal, names: "--accumulate")
            }
        }
    }

    /// Flags that count steps, epochs or files: any value at or above the
    /// minimum is fine (the loop's step arithmetic is overflow-checked).
    @Test(arguments: [("--epochs", 1), ("--max-steps", 1), ("--checkpoint-every", 0), ("--keep", 1), ("--images-every", 0),
                      ("--log-every", 0), ("--max-bad-steps", 1), ("--blas-threads", 1), ("--deterministic", 0)])
    func trainCountsAreAcceptedAtOrAboveTheirMinimum(flag: String, minimum: Int) async {
        await propertyCheck(count: 100, input: Self.anyInt) { value in
            switch parse(Train.self, [flag, String(value)]) {
            case let .success(train):
                #expect(value >= minimum, "\(flag) \(value) accepted below \(minimum)")
                let configuration = train.trainingConfiguration
                #expect(configuration.deterministicShards == 0 || configuration.globalBatchSize % configuration.deterministicShards == 0)
                #expect(configuration.blasThreads <= 256)
            case let .failure(refusal):
                expectRefusal(refusal, names: flag)
            }
        }
    }

    @Test func anySeedIsAccepted() async {
        await propertyCheck(count: 100, input: Gen.uint64()) { seed in
            if case let .failure(refusal) = parse(Train.self, ["--seed", String(seed)]) {
                Issue.record("--seed \(seed) refused: \(refusal.text)")
            }
        }
    }

    @Test(arguments: ["9223372036854775808", "-9223372036854775809", "1e400", "99999999999999999999999"])
    func numbersBeyondIntAreRefusedNamingTheFlag(text: String) {
        for flag in ["--latent", "--epochs", "--batch-size", "--max-steps", "--hidden"] {
            guard case let .failure(refusal) = parse(Train.self, [flag, text]) else {
                Issue.record("\(flag) \(text) accepted")
                continue
            }
            expectRefusal(refusal, names: flag)
        }
    }

    @Test func evalImportanceSamplesAreBounded() async {
        await propertyCheck(count: 150, input: Self.anyInt) { value in
            switch parse(Eval.self, ["model.safetensors", "--iw", String(value)]) {
            case let .success(eval): #expect((0...Eval.importanceSampleLimit).contains(eval.importanceSamples))
            case let .failure(refusal): expectRefusal(refusal, names: "--iw")
            }
        }
    }

    @Test func sampleCountAndColumnsAreBounded() async {
        await propertyCheck(count: 150, input: Self.anyInt, Self.anyInt) { count, columns in
            switch parse(Sample.self, ["model.safetensors", "--count", String(count), "--columns", String(columns)]) {
            case let .success(sample): #expect((1...4096).contains(sample.count) && (1...4096).contains(sample.columns))
            case let .failure(refusal): #expect(refusal.text.contains("--count") || refusal.text.contains("--columns"), "\(refusal.text)")
            }
        }
    }

    @Test func reconstructAndManifoldAreBounded() async {
        await propertyCheck(count: 150, input: Self.anyInt) { value in
            switch parse(Reconstruct.self, ["model.safetensors", "--count", String(value)]) {
            case let .success(command): #expect((1...4096).contains(command.count))
            case let .failure(refusal): expectRefusal(refusal, names: "--count")
            }
            switch parse(Manifold.self, ["model.safetensors", "--steps", String(value)]) {
            case let .success(command): #expect((2...100).contains(command.steps))
            case let .failure(refusal): expectRefusal(refusal, names: "--steps")
            }
        }
    }

    @Test(arguments: ["--batch", "--input", "--latent", "--hidden", "--repetitions", "--blas-threads"])
    func gemmBenchmarkSizesFitInMemory(flag: String) async {
        await propertyCheck(count: 100, input: Self.anyInt) { value in
            switch parse(GEMMBound.self, [flag, String(value)]) {
            case let .success(bound):
                let hidden: [Double] = bound.hidden.widths.map { Double($0) }
                let widths: [Double] = [Double(bound.input)] + hidden + [2 * Double(bound.latent)]
                let batch = Double(bound.batch)
                var floats = 0.0
                for (a, b) in zip(widths, widths.dropFirst()) { floats = max(floats, batch * (a + b) + a * b) }
                #expect(4 * floats <= Self.memory && bound.repetitions <= 1_000_000 && bound.blasThreads <= 256)
            case let .failure(refusal):
                expectRefusal(refusal, names: flag)
            }
            switch parse(AllreduceCost.self, ["--repetitions", String(value)]) {
            case let .success(cost): #expect((1...1_000_000).contains(cost.repetitions))
            case let .failure(refusal): expectRefusal(refusal, names: "--repetitions")
            }
        }
    }
}
