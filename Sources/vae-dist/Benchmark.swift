import ArgumentParser
import Foundation
import Logging
import MPI
import SystemIO
import Tensors
import Training
import TrainingCore

/// Measurements of this machine that bound what training can reach: the
/// matrix multiplies of one step alone, and the allreduce alone.
struct Benchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure this machine's GEMM bound for the model, or its allreduce latency and bandwidth.",
        subcommands: [GEMMBound.self, AllreduceCost.self])
}

/// The model's GEMMs for one step (forward, and backward without the data's
/// gradient), timed alone: the samples/s training could reach if everything
/// else took no time.
struct GEMMBound: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm", abstract: "Time one training step's matrix multiplies alone (the GEMM bound).")

    @Option(help: "Rows per GEMM: the per-rank batch.") var batch: Int = 128
    @Option(help: "Input size.") var input: Int = 784
    @Option(help: "Encoder hidden widths.") var hidden: LayerWidths = LayerWidths([400])
    @Option(help: "Latent dimensions.") var latent: Int = 20
    @Option(help: "Timed repetitions (the median is reported).") var repetitions: Int = 200
    @Option(name: .customLong("blas-threads"), help: "OpenBLAS threads.") var blasThreads: Int = 1

    func validate() throws {
        guard batch > 0, input > 0, latent > 0, repetitions > 0, blasThreads > 0 else {
            throw ValidationError("--batch, --input, --latent, --repetitions and --blas-threads must be positive")
        }
        guard repetitions <= 1_000_000 else { throw ValidationError("--repetitions must be at most 1000000 (got \(repetitions))") }
        guard blasThreads <= 256 else { throw ValidationError("--blas-threads must be between 1 and 256 (got \(blasThreads))") }
        // The largest multiply's three matrices live at once; counted in
        // Double, which cannot overflow, against the machine's memory.
        let widths = [Double(input)] + hidden.widths.map(Double.init) + [2 * Double(latent)]
        let largest = zip(widths, widths.dropFirst()).map { a, b in Double(batch) * a + a * b + Double(batch) * b }.max() ?? 0
        let bytes = 4 * largest
        if let memory = PhysicalMemory.bytes, bytes > Double(memory) {
            throw ValidationError("--batch \(batch) --input \(input) --hidden \(hidden) --latent \(latent) need \(String(format: "%.3g", bytes / Double(1 << 30))) GiB for one multiply, more than this machine's \(PhysicalMemory.gibibytes(memory)) of memory")
        }
    }

    func run() throws {
        BLASThreads.set(blasThreads)
        // (rows of the output, inner size, columns) for each multiply of a step.
        let widths = [input] + hidden.widths
        var layers = zip(widths, widths.dropFirst()).map { (input: $0, output: $1, needsInputGradient: $0 != input) }
        layers.append((hidden.widths.last ?? input, 2 * latent, true))
        let decoder = [latent] + hidden.widths.reversed() + [input]
        layers += zip(decoder, decoder.dropFirst()).map { (input: $0, output: $1, needsInputGradient: true) }
        layers[0].needsInputGradient = false

        var shapes = [(name: String, m: Int, k: Int, n: Int)]()
        for layer in layers {
            shapes.append(("forward \(layer.input)->\(layer.output)", batch, layer.input, layer.output))
            shapes.append(("weight grad \(layer.output)x\(layer.input)", layer.output, batch, layer.input))
            if layer.needsInputGradient { shapes.append(("input grad \(layer.input)<-\(layer.output)", batch, layer.output, layer.input)) }
        }
        print("BLAS: \(BLASKernel.choice)")
        print("GEMM bound, per-rank batch \(batch), \(blasThreads) BLAS thread(s), median of \(repetitions):")
        var total = 0.0
        var flops = 0.0
        for shape in shapes {
            let a = FloatBuffer(count: shape.m * shape.k), b = FloatBuffer(count: shape.k * shape.n)
            let c = FloatBuffer(count: shape.m * shape.n)
            for i in 0..<a.count { a[i] = Float(i % 7) * 0.1 }
            for i in 0..<b.count { b[i] = Float(i % 5) * 0.1 }
            let left = a.matrix(offset: 0, rows: shape.m, columns: shape.k)
            let right = b.matrix(offset: 0, rows: shape.k, columns: shape.n)
            let out = c.matrix(offset: 0, rows: shape.m, columns: shape.n)
            for _ in 0..<10 { gemm(left, right, into: out) }
            var times = [Double]()
            for _ in 0..<repetitions {
                let start = WallClock.now
                gemm(left, right, into: out)
                times.append(WallClock.now - start)
            }
            let median = times.sorted()[times.count / 2]
            let gflops = 2.0 * Double(shape.m * shape.k * shape.n) / median / 1e9
            total += median
            flops += 2.0 * Double(shape.m * shape.k * shape.n)
            print("  \(pad(shape.name, 28)) \(shape.m)x\(shape.k)x\(shape.n)  \(String(format: "%7.1f", median * 1e6)) us  \(String(format: "%5.1f", gflops)) GFLOP/s")
        }
        print(String(format: "GEMM time per step: %.3f ms (%.2f MFLOP per sample, %.1f GFLOP/s)", total * 1e3,
                     flops / Double(batch) / 1e6, flops / total / 1e9))
        print(String(format: "GEMM bound: %.0f samples/s", Double(batch) / total))
    }
}

/// In-place float allreduce over message sizes, and the α–β line through it.
struct AllreduceCost: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allreduce", abstract: "Time in-place float allreduces of 4 B to 16 MiB; fit latency α and bandwidth β.")

    @Option(help: "Timed repetitions per size (the median is reported).") var repetitions: Int = 50

    func validate() throws {
        guard (1...1_000_000).contains(repetitions) else {
            throw ValidationError("--repetitions must be between 1 and 1000000 (got \(repetitions))")
        }
    }

    func run() throws {
        withMPI(verbose: false) { world, logger throws(TrainingError) in
            var sizes = [1]
            while sizes.last! < 4 << 20 { sizes.append(sizes.last! * 4) }  // 4 B ... 16 MiB
            var points = [(bytes: Double, seconds: Double)]()
            do throws(MPIError) {
                for count in sizes {
                    let buffer = FloatBuffer(count: count)
                    for _ in 0..<5 { try world.allreduce(buffer.all) }
                    var times = [Double]()
                    for _ in 0..<repetitions {
                        try world.barrier()
                        let start = MPIEnvironment.wallTime
                        try world.allreduce(buffer.all)
                        times.append(MPIEnvironment.wallTime - start)
                    }
                    // Every rank's median; the slowest rank sets the pace.
                    let median = try world.allreduce(times.sorted()[times.count / 2], .max)
                    points.append((Double(4 * count), median))
                    logger.info("  \(pad(String(4 * count) + " B", 12)) \(String(format: "%9.1f", median * 1e6)) us  \(String(format: "%7.2f", Double(4 * count) / median / 1e9)) GB/s")
                }
            } catch {
                throw .mpi(error)
            }
            // α: the smallest message; β: the slope from 1 to 4 MiB, the range of
            // vae-dist's gradients (larger messages leave the caches).
            let alpha = points[0].seconds
            let oneMiB = points[points.count - 3], fourMiB = points[points.count - 2]
            let beta = (fourMiB.seconds - oneMiB.seconds) / (fourMiB.bytes - oneMiB.bytes)
            let summary = String(format: "alpha-beta on %d rank(s): alpha = %.1f us, beta = %.3f ns/byte (%.2f GB/s)",
                                 world.size, alpha * 1e6, beta * 1e9, 1 / beta / 1e9)
            logger.info("\(summary)")
        } work: { _ in }
    }
}

/// Wall-clock seconds without starting MPI (the GEMM bound needs no ranks).
enum WallClock {
    static var now: Double { Date().timeIntervalSinceReferenceDate }
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}
