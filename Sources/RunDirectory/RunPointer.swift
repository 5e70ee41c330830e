import Checkpoints

/// `OUT/latest.json`: the live branch of the run that owns the directory.
///
/// It names the newest checkpoint, lists the checkpoints of the branch
/// (newest first, each with the size and CRC-32 it was written with), and
/// keeps the run's lineage: the id drawn at its fresh start and, for every
/// resume, the checkpoint it continued from. `--resume auto` follows it, and
/// pruning deletes only files it lists and that still match it, so files
/// that merely look like checkpoints are never taken for this run's.
/// Replaced atomically; decoded strictly (``decode(_:)``), as anything in
/// the directory may have been damaged or written by someone else.
package struct RunPointer: Equatable {
    /// One resume of the run.
    struct Resumption: Equatable {
        /// The checkpoint continued from, as given (`--resume PATH`) or found.
        var from: String
        var step: Int
        /// When, UTC (for people; nothing depends on it).
        var at: String
        /// Where the abandoned branch's newer files were moved, if anywhere.
        var abandoned: String?
    }

    package static let fileName = "latest.json"
    static let formatName = "vae-dist-run"
    static let formatVersion = 1

    var runID: String
    /// Newest (highest step) first.
    package var checkpoints: [CheckpointRecord]
    var lineage: [Resumption]
    /// The OpenBLAS kernels the newest checkpoint was computed on (distinct,
    /// in rank order): a resume on other kernels is told its bits will differ
    /// from an uninterrupted run's. Informational: absent (files written
    /// before it was recorded) or unusable, it reads as empty and never
    /// makes the pointer damaged.
    package var blasKernels: [String] = []

    /// The newest checkpoint of the branch.
    var latest: CheckpointRecord? { checkpoints.first }

    /// A run's pointer at a fresh start: a new random id, nothing written yet.
    package static func fresh() -> RunPointer {
        let id = String(UInt64.random(in: .min ... .max), radix: 16)
        return RunPointer(runID: String(repeating: "0", count: 16 - id.count) + id, checkpoints: [], lineage: [])
    }

    /// Adds (or replaces, by name) a checkpoint, keeping newest first.
    mutating func add(_ record: CheckpointRecord) {
        checkpoints.removeAll { $0.fileName == record.fileName }
        checkpoints.append(record)
        checkpoints.sort { $0.step > $1.step }
    }

    func encoded() -> [UInt8] {
        let records = checkpoints.map { record in
            "    {\"file\":\(SafeTensors.jsonString(record.fileName)),\"step\":\(record.step),\"bytes\":\(record.byteCount),\"crc32\":\"\(Self.hex(record.crc32))\"}"
        }
        let resumptions = lineage.map { resumption in
            "    {\"resumed_from\":\(SafeTensors.jsonString(resumption.from)),\"step\":\(resumption.step),\"at\":\(SafeTensors.jsonString(resumption.at))"
                + (resumption.abandoned.map { ",\"abandoned\":\(SafeTensors.jsonString($0))" } ?? "") + "}"
        }
        func list(_ items: [String]) -> String { items.isEmpty ? "[]" : "[\n" + items.joined(separator: ",\n") + "\n  ]" }
        let text = """
            {
              "format": "\(Self.formatName)",
              "version": \(Self.formatVersion),
              "run_id": \(SafeTensors.jsonString(runID)),
              "latest": \(latest.map { SafeTensors.jsonString($0.fileName) } ?? "null"),
              "checkpoints": \(list(records)),
              "lineage": \(list(resumptions)),
              "blas_kernels": [\(blasKernels.map(SafeTensors.jsonString).joined(separator: ", "))]
            }

            """
        return Array(text.utf8)
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
