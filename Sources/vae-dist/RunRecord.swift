import Foundation
import SystemIO
import Training
import TrainingCore

/// `OUT/config.json`: every setting of a training run (defaults included),
/// with the vae-dist version, the world size and the data it read, so a run
/// can be understood later and replayed (`vae-dist train --config
/// OUT/config.json`).
///
/// Written by rank 0 once, when the run starts. A resumed run whose settings
/// differ (other than `--resume` itself) keeps the original and writes
/// `config-resumed-at-<step>.json` beside it, logging what changed.
struct RunRecord {
    /// Settings that say how a run was launched rather than what it trains.
    static let launchOnly: Set<String> = ["--resume", "--config", "--verbose"]
    /// The fields of the record that are not settings: a `--config` file
    /// may carry them, and they are not read as flags.
    static let recordFields: Set<String> = ["vae_dist_version", "world_size", "data_digest", "blas"]

    let settings: [Setting]
    let worldSize: Int
    let data: String
    let dataDigest: String
    /// The OpenBLAS version and every rank's kernels: the bits of a run depend on them.
    let blas: String

    var json: [String: Any] {
        var values = [String: Any]()
        for setting in settings where !Self.launchOnly.contains(setting.name) {
            values[String(setting.name.drop { $0 == "-" })] = setting.value ?? NSNull()
        }
        return ["vae_dist_version": VAEDist.version, "world_size": worldSize, "data": data, "data_digest": dataDigest,
                "blas": blas, "settings": values]
    }

    /// What writing the record did, for the log.
    enum Outcome: Equatable {
        case written
        /// The existing `config.json` matches: nothing written.
        case unchanged
        /// Settings that differ from `config.json`, recorded beside it.
        case differs([String], recordedIn: String)
        /// `config.json` was unreadable: kept under this name, a new one written.
        case replacedDamaged(keptAs: String)
    }

    /// Writes `config.json` (or, when one exists with other settings, a
    /// resumed run's record). A damaged `config.json` is set aside, as a
    /// damaged `latest.json` is, not silently overwritten.
    func write(to directory: String, step: Int) throws(TrainingError) -> Outcome {
        let path = "\(directory)/config.json"
        guard Files.exists(path) else {
            try write(to: path)
            return .written
        }
        let existing = (try? Files.read(path)).flatMap { try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] }
        guard let old = existing?["settings"] as? [String: Any] else {
            let aside = Files.unusedName("\(path).damaged")
            do {
                try Files.move(path, to: aside)
            } catch {
                throw .file(error)
            }
            try write(to: path)
            return .replacedDamaged(keptAs: aside)
        }
        let new = json["settings"] as? [String: Any] ?? [:]
        let differences = Set(old.keys).union(new.keys).sorted().filter { text(old[$0]) != text(new[$0]) }
            .map { "--\($0) \(text(old[$0])) -> \(text(new[$0]))" }
        guard !differences.isEmpty else { return .unchanged }
        let target = "\(directory)/config-resumed-at-\(step).json"
        try write(to: target)
        return .differs(differences, recordedIn: target)
    }

    private func write(to target: String) throws(TrainingError) {
        guard let bytes = try? JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]) else {
            throw .configuration("\(target): the run's settings cannot be written as JSON")
        }
        do {
            try Files.writeAtomically(Array(bytes) + [0x0A], to: target)
        } catch {
            throw .file(error)
        }
    }

    private func text(_ value: Any?) -> String {
        guard let value, !(value is NSNull) else { return "(unset)" }
        return "\(value)"
    }
}
