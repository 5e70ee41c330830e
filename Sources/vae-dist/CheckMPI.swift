import ArgumentParser
import Logging
import MPI
import Tensors
import SystemIO
import Training
import TrainingCore

/// Exercises every collective vae-dist uses, with values whose correct
/// result is known in closed form, and reports each as ok or wrong. Run it
/// on a new cluster (`srun vae-dist check-mpi`) before a long job; the test
/// suite runs it under `mpirun -np 2` and `-np 4`.
struct CheckMPI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-mpi",
        abstract: "Check that every collective vae-dist uses (blocking and non-blocking, Float, Double and Int64) gives correct results on this job's ranks.")

    func run() throws {
        withMPI(verbose: false) { world, logger throws(TrainingError) -> Void in
            do {
                let failures = try CollectiveChecks(world: world).run(logger: logger)
                let total = try world.allreduce(Int64(failures), .sum)
                if total > 0 { throw TrainingError.configuration("check-mpi: \(total) check(s) failed") }
                logger.info("check-mpi: all collectives correct on \(world.size) rank(s)")
            } catch let error as MPIError {
                throw .mpi(error)
            } catch let error as TrainingError {
                throw error
            } catch {
                throw .configuration("\(error)")
            }
        } work: { _ in }
    }
}

private struct CollectiveChecks {
    let world: Communicator

    /// Each node's OpenBLAS kernels (ranks choose for their own CPU), so a
    /// new cluster's mixed or poorly chosen kernels show before a long job.
    func reportBLASKernels(logger: Logger) throws(MPIError) {
        let hosts = try world.allgather(ProcessIdentity.hostName, maximumBytes: 256)
        let choices = try world.allgather(BLASKernel.choice.description, maximumBytes: 512)
        var seen = Set<String>()
        for (host, choice) in zip(hosts, choices) where seen.insert(host + "\u{0}" + choice).inserted {
            let ranks = hosts.indices.filter { hosts[$0] == host && choices[$0] == choice }
            logger.info("BLAS on \(host) (rank\(ranks.count > 1 ? "s" : "") \(RankKernels.ranges(ranks))): \(choice)")
        }
    }

    /// Runs each check on every rank; returns this rank's failure count.
    func run(logger: Logger) throws(MPIError) -> Int {
        let n = world.size
        let r = world.rank
        let triangle = n * (n + 1) / 2
        var failures = 0
        func check(_ name: String, _ passed: Bool) throws(MPIError) {
            let everywhere = try world.allreduce(Int32(passed ? 0 : 1), .sum) == 0
            if !passed { failures += 1 }
            logger.info("\(name): \(everywhere ? "ok" : "WRONG")")
        }

        var floats: [Float] = [Float(r + 1), Float(2 * (r + 1)), -Float(r + 1)]
        try world.allreduce(&floats, .sum)
        try check("allreduce sum Float", floats == [Float(triangle), Float(2 * triangle), -Float(triangle)])

        var doubles: [Double] = [Double(r) + 0.5]
        try world.allreduce(&doubles, .max)
        try check("allreduce max Double", doubles == [Double(n - 1) + 0.5])

        var integers: [Int64] = [Int64(r + 1) << 40]
        try world.allreduce(&integers, .min)
        try check("allreduce min Int64", integers == [1 << 40])

        var summed: [Int32] = [Int32(r), 1]
        try world.allreduce(&summed, .sum)
        try check("allreduce sum Int32", summed == [Int32(n * (n - 1) / 2), Int32(n)])

        let buffer = FloatBuffer(count: 1 << 18)
        buffer.all.fill(Float(r + 1))
        try world.allreduce(buffer.all, .sum)
        let expected = Float(triangle)
        try check("allreduce sum buffer (1 MiB, in place)", buffer.all.array.allSatisfy { $0 == expected })

        let root = n - 1
        var broadcast: [Double] = r == root ? [3.25, -1, Double(n)] : [0, 0, 0]
        try world.broadcast(&broadcast, root: root)
        try check("broadcast from rank \(root)", broadcast == [3.25, -1, Double(n)])

        let view = FloatBuffer(count: 1000)
        if r == 0 { for i in 0..<1000 { view[i] = Float(i) } }
        try world.broadcast(view.all)
        try check("broadcast buffer from rank 0", (0..<1000).allSatisfy { view[$0] == Float($0) })

        let reduced = try world.reduce([Int64(r + 1)], .sum, root: 0)
        try check("reduce sum to rank 0", r == 0 ? reduced == [Int64(triangle)] : reduced == nil)

        let gathered = try world.allgather([UInt64(r * 10), UInt64(r)])
        try check("allgather", gathered == (0..<n).flatMap { [UInt64($0 * 10), UInt64($0)] })

        // Uneven parts (rank r holds r + 2 elements), as the optimizer shards are.
        let counts = (0..<n).map { $0 + 2 }
        let total = counts.reduce(0, +)
        let start = counts[..<r].reduce(0, +)
        let whole = FloatBuffer((0..<total).map { Float($0 * (r + 1)) })
        let mine = FloatBuffer(count: counts[r])
        try world.reduceScatter(whole.all, into: mine.all, counts: counts)
        try check("reduce-scatter, uneven parts", (0..<counts[r]).allSatisfy { mine[$0] == Float((start + $0) * triangle) })

        let gathered2 = FloatBuffer(count: total)
        for i in 0..<counts[r] { gathered2[start + i] = Float(1000 * r + i) }
        try world.allgather(inPlace: gathered2.all, counts: counts)
        var expectedParts = [Float]()
        for rank in 0..<n { expectedParts += (0..<counts[rank]).map { Float(1000 * rank + $0) } }
        try check("allgather in place, uneven parts", gathered2.all.array == expectedParts)

        let collected = FloatBuffer(count: total)
        try world.gather(FloatBuffer((0..<counts[r]).map { Float(1000 * r + $0) }).all, into: r == 0 ? collected.all : nil,
                         counts: counts)
        try check("gather to rank 0", r != 0 || collected.all.array == expectedParts)

        let part = FloatBuffer(count: counts[r])
        try world.scatter(r == 0 ? FloatBuffer(expectedParts).all : nil, into: part.all, counts: counts)
        try check("scatter from rank 0", part.all.array == (0..<counts[r]).map { Float(1000 * r + $0) })

        // --deterministic's pairwise tree: every rank's part j goes to rank j, in rank order.
        let outgoing = FloatBuffer((0..<total).map { Float(1000 * r + $0) })
        let incoming = FloatBuffer(count: counts[r] * n)
        try world.alltoall(outgoing.all, into: incoming.all, counts: counts)
        try check("alltoall, uneven parts", incoming.all.array == (0..<n).flatMap { sender in
            (0..<counts[r]).map { Float(1000 * sender + start + $0) }
        })

        // --deterministic's fixed point (M not a power of two): Int64, allreduced or reduce-scattered.
        let fixed = Int64Buffer(count: total)
        for i in 0..<total { fixed[i] = Int64(i + 1) << 40 &* Int64(r + 1) }
        try world.allreduce(fixed)
        try check("allreduce sum Int64 buffer (fixed point)", (0..<total).allSatisfy { fixed[$0] == (Int64($0 + 1) << 40) &* Int64(triangle) })
        let fixedSource = Int64Buffer(count: total), fixedPart = Int64Buffer(count: counts[r])
        for i in 0..<total { fixedSource[i] = Int64(i) &* Int64(r + 1) }
        try world.reduceScatter(fixedSource, into: fixedPart, counts: counts)
        try check("reduce-scatter Int64, uneven parts", (0..<counts[r]).allSatisfy { fixedPart[$0] == Int64(start + $0) * Int64(triangle) })

        // --overlap: a non-blocking allreduce, polled with test, completed with wait.
        let pendingBuffer = FloatBuffer(count: 1 << 16)
        pendingBuffer.all.fill(Float(r + 1))
        let pending = try world.startAllreduce(pendingBuffer.all)
        var polls = 0
        while try !pending.test(), polls < 1_000_000 { polls += 1 }
        try pending.wait()
        try check("non-blocking allreduce (test, then wait)", pendingBuffer.all.array.allSatisfy { $0 == Float(triangle) })

        // --gradient-sync shared: the node's ranks, the ranks of one local rank on every node, and a
        // shared window that every rank writes (its own segment) and reads (all segments) after a synchronization.
        let node = try world.splitByNode()
        let leaders = try world.allgather([Int32(node.rank == 0 ? node.size : 0)])
        try check("split by node (\(node.size) rank(s) on this node)",
                  node.rank < node.size && node.size <= n && leaders.reduce(0, +) == Int32(n))
        let across = try world.split(color: node.rank, key: r)
        let localRanks = try across.allgather([Int32(node.rank)])
        try check("split by color (equal local ranks across nodes)", localRanks.allSatisfy { $0 == Int32(node.rank) })
        let parity = try world.split(color: r % 2, key: -r)
        try check("split by color, ranked by key", parity.rank == (n - 1 - r) / 2 && parity.size == (n - r % 2 + 1) / 2)

        let window = try SharedWindow(count: node.rank + 2, communicator: node)
        for i in 0..<(node.rank + 2) { window.ownSegment[i] = Float(1000 * node.rank + i) }
        try window.synchronize()
        let segmentsRead = window.segments.enumerated().allSatisfy { rank, segment in
            segment.array == (0..<(rank + 2)).map { Float(1000 * rank + $0) }
        }
        try window.synchronize()
        try window.close()
        try check("shared window, every segment read after a barrier", segmentsRead && window.segments.count == node.size)

        try world.barrier()
        logger.info("barrier: ok")
        try reportBLASKernels(logger: logger)
        return failures
    }
}
