import MPI
import Training
import TrainingCore

/// Every rank of a job must run the same command with the same flags: ranks
/// started with different `--hidden` would allreduce buffers of different
/// sizes, different `--lr` would silently train diverging replicas, different
/// `--max-steps` would leave one rank waiting in a collective for a peer that
/// already finished. An MPMD launch (`mpirun -np 1 vae-dist train … : -np 1
/// vae-dist train …`) or a hand-edited job script can do exactly that.
///
/// Each rank digests (FNV-1a, 64 bits) a canonical rendering of the vae-dist
/// version, the command and every parsed setting; one allgather compares the
/// digests. On a mismatch, the first rank that differs from rank 0 broadcasts
/// its rendering and rank 0 names the first setting that differs.
enum FlagAgreement {
    /// Returns when every rank has the same `settings` (those named in
    /// `excluding` aside); otherwise rank 0 throws
    /// ``TrainingError/ranksDisagree(_:)`` naming the difference and every
    /// other rank ``TrainingError/failedOnOtherRank(_:)``, together.
    static func require(command: String, _ settings: [Setting], excluding: Set<String> = [],
                        communicator: Communicator) throws(TrainingError) {
        let mine = canonical(command: command, settings.filter { !excluding.contains($0.name) })
        let digests: [UInt64]
        do {
            digests = try communicator.allgather([digest(mine)])
        } catch {
            throw .mpi(error)
        }
        guard let differing = digests.firstIndex(where: { $0 != digests[0] }) else { return }
        var theirs = mine
        do {
            var count: [Int64] = [Int64(mine.count)]
            try communicator.broadcast(&count, root: differing)
            if communicator.rank != differing { theirs = [UInt8](repeating: 0, count: Int(count[0])) }
            try communicator.broadcast(&theirs, root: differing)
        } catch {
            throw .mpi(error)
        }
        guard communicator.rank == 0 else { throw .failedOnOtherRank(0) }
        throw .ranksDisagree(difference(rank: differing, theirs: decode(theirs), ours: decode(mine)))
    }

    /// `vae-dist VERSION`, `vae-dist COMMAND`, then each setting: name and
    /// value separated and ended by NUL, which no path or number contains;
    /// an unset optional flag's value is the single byte 1 (no value is).
    static func canonical(command: String, _ settings: [Setting]) -> [UInt8] {
        let all = [Setting(name: "vae-dist", value: VAEDist.version), Setting(name: "vae-dist", value: command)] + settings
        return all.flatMap { Array($0.name.utf8) + [0] + ($0.value.map { Array($0.utf8) } ?? [unset]) + [0] }
    }

    private static let unset: UInt8 = 1

    static func decode(_ bytes: [UInt8]) -> [Setting] {
        let fields = bytes.split(separator: 0, omittingEmptySubsequences: false)
        return stride(from: 0, to: fields.count - 1, by: 2).map { index in
            let value = fields[index + 1]
            return Setting(name: String(decoding: fields[index], as: UTF8.self),
                           value: value.elementsEqual([unset]) ? nil : String(decoding: value, as: UTF8.self))
        }
    }

    /// FNV-1a over the bytes: cheap, and any single changed setting changes it.
    static func digest(_ bytes: [UInt8]) -> UInt64 {
        bytes.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3 }
    }

    /// "rank 1 was started with --lr 0.01, rank 0 with --lr 0.001".
    static func difference(rank: Int, theirs: [Setting], ours: [Setting]) -> String {
        let advice = "; every rank must be started with the same command and flags"
        for (index, setting) in theirs.enumerated() {
            guard index < ours.count else { return "rank \(rank) was started \(setting.rendered), rank 0 was not\(advice)" }
            let own = ours[index]
            if setting != own { return "rank \(rank) was started \(setting.rendered), rank 0 \(own.rendered)\(advice)" }
        }
        if theirs.count < ours.count {
            return "rank 0 was started \(ours[theirs.count].rendered), rank \(rank) was not\(advice)"
        }
        return "rank \(rank) was started with other flags than rank 0\(advice)"
    }
}
