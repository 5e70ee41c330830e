import Foundation
import SystemIO
import Training

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

    let settings: [Setting]
    let worldSize: Int
    let data: String
    let dataDigest: String

    var json: [String: Any] {
        var values = [String: Any]()
        for setting in settings where !Self.launchOnly.contains(setting.name) {
            values[String(setting.name.drop { $0 == "-" })] = setting.value ?? NSNull()
        }
        return ["vae_dist_version": VAEDist.version, "world_size": worldSize, "data": data, "data_digest": dataDigest,
                "settings": values]
    }

    /// Writes `config.json` (or, when one exists with other settings, a
    /// resumed run's record) and returns the differences, if any.
    func write(to directory: String, step: Int) throws(TrainingError) -> [String] {
        let path = "\(directory)/config.json"
        var target = path
        var differences = [String]()
        if Files.exists(path) {
            let existing = (try? Files.read(path)).flatMap { try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] }
            let old = existing?["settings"] as? [String: Any] ?? [:]
            let new = json["settings"] as? [String: Any] ?? [:]
            for key in Set(old.keys).union(new.keys).sorted() where text(old[key]) != text(new[key]) {
                differences.append("--\(key) \(text(old[key])) -> \(text(new[key]))")
            }
            guard !differences.isEmpty else { return [] }
            target = "\(directory)/config-resumed-at-\(step).json"
        }
        guard let bytes = try? JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys]) else {
            throw .configuration("\(target): the run's settings cannot be written as JSON")
        }
        do {
            try Files.writeAtomically(Array(bytes) + [0x0A], to: target)
        } catch {
            throw .file(error)
        }
        return differences
    }

    private func text(_ value: Any?) -> String {
        guard let value, !(value is NSNull) else { return "(unset)" }
        return "\(value)"
    }
}

/// `vae-dist train --config FILE`: the settings of a JSON file (the
/// `settings` object of a `config.json`, or a flat object of the same keys)
/// as command-line flags, placed before the user's own so that those
/// override the file's.
enum ConfigFile {
    static func expand(_ arguments: [String]) throws -> [String] {
        guard let (at, _, flags) = try read(arguments) else { return arguments }
        var rest = arguments
        rest.removeSubrange(at...(at + 1))
        return [rest[0]] + flags + rest.dropFirst()
    }

    /// A parse error of the expanded command line, said as the file's when
    /// the file's flags alone give it (a bad value in the file), so the user
    /// is sent to the file rather than to a command line that looks right.
    static func attribute(_ message: String, arguments: [String]) -> String {
        guard let (_, path, flags) = try? read(arguments) else { return message }
        do {
            _ = try VAEDist.parseAsRoot(["train"] + flags)
        } catch {
            let alone = VAEDist.message(for: error).split(separator: "\n").first.map(String.init)
            if alone == message { return "--config \(path): \(message)" }
        }
        return message
    }

    /// Where `--config` stands in `arguments`, its path, and the file's settings as flags.
    private static func read(_ arguments: [String]) throws -> (at: Int, path: String, flags: [String])? {
        guard arguments.first == "train", let at = arguments.firstIndex(of: "--config") else { return nil }
        guard at + 1 < arguments.count else { throw ConfigError("--config needs a JSON file") }
        let path = arguments[at + 1]
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError("--config \(path): cannot read the file") }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ConfigError("--config \(path): not a JSON object of settings")
        }
        let settings = object["settings"] as? [String: Any] ?? object.filter { !["vae_dist_version", "world_size", "data_digest"].contains($0.key) }
        var flags = [String]()
        for key in settings.keys.sorted() {
            guard key.range(of: "^[a-z][a-z0-9-]*$", options: .regularExpression) != nil else {
                throw ConfigError("--config \(path): \"\(key)\" is not a flag name")
            }
            switch settings[key] {
            case nil, is NSNull:
                continue
            case let text as String:
                // config.json writes every value as text; a flag's is true or false.
                if text == "true" { flags.append("--\(key)") } else if text != "false" { flags += ["--\(key)", text] }
            case let flag as Bool:
                if flag { flags.append("--\(key)") }
            case let number as NSNumber:
                flags += ["--\(key)", number.stringValue]
            default:
                throw ConfigError("--config \(path): the value of \"\(key)\" is not a string, number, true or false")
            }
        }
        return (at, path, flags)
    }

    struct ConfigError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
