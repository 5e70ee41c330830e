import MPI
import Tensors

/// The OpenBLAS kernels of every rank of a job, in rank order.
///
/// Ranks on nodes with different CPUs each choose kernels for their own CPU
/// (``BLASKernel``), so a job may run several. That only matters for
/// `--deterministic`, whose bits depend on the kernel's summation order
/// (docs/determinism.md): there, different kernels are refused by name.
public struct RankKernels: Equatable, Sendable {
    let names: [String]

    static func gather(_ communicator: Communicator) throws(MPIError) -> RankKernels {
        RankKernels(names: try communicator.allgather(BLASKernel.choice.kernel))
    }

    /// The distinct kernels, in order of first appearance.
    var distinct: [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }

    var isUniform: Bool { distinct.count <= 1 }

    /// "SkylakeX kernels", or "SkylakeX kernels on ranks 0-1, 3; Haswell kernels on rank 2".
    var description: String {
        guard !isUniform else { return "\(distinct.first ?? "no") kernels" }
        return distinct.map { kernel in
            let ranks = names.indices.filter { names[$0] == kernel }
            return "\(kernel) kernels on rank\(ranks.count > 1 ? "s" : "") \(Self.ranges(ranks))"
        }.joined(separator: "; ")
    }

    /// "0-1, 3" for [0, 1, 3].
    public static func ranges(_ ranks: [Int]) -> String {
        var parts = [String]()
        var index = 0
        while index < ranks.count {
            var end = index
            while end + 1 < ranks.count && ranks[end + 1] == ranks[end] + 1 { end += 1 }
            parts.append(end == index ? "\(ranks[index])" : "\(ranks[index])-\(ranks[end])")
            index = end + 1
        }
        return parts.joined(separator: ", ")
    }

    /// The start-up line: the version and reason are this rank's (rank 0's).
    var startupLine: String {
        let choice = BLASKernel.choice
        return isUniform ? "BLAS: \(choice)" : "BLAS: OpenBLAS \(choice.version), \(description) (rank 0: \(choice.reason))"
    }
}
