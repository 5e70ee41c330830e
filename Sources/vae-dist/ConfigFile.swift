import Foundation
import SystemIO

/// `vae-dist train --config FILE`: the settings of a JSON file (the
/// `settings` object of a `config.json`, or a flat object of the same keys)
/// as command-line flags, placed before the user's own so that those
/// override the file's.
enum ConfigFile {
    static func expand(_ arguments: [String]) throws -> [String] {
        guard let (at, length, _, flags) = try read(arguments) else { return arguments }
        var rest = arguments
        rest.removeSubrange(at..<(at + length))
        return [rest[0]] + flags + rest.dropFirst()
    }

    /// A parse error of the expanded command line, said as the file's when
    /// the file's flags alone give it (a bad value in the file), so the user
    /// is sent to the file rather than to a command line that looks right.
    static func attribute(_ message: String, arguments: [String]) -> String {
        guard let (_, _, path, flags) = try? read(arguments) else { return message }
        do {
            _ = try VAEDist.parseAsRoot(["train"] + flags)
        } catch {
            let alone = VAEDist.message(for: error).split(separator: "\n").first.map(String.init)
            if alone == message { return "--config \(path): \(message)" }
        }
        return message
    }

    /// Where `--config` stands in `arguments` (`--config FILE`, two
    /// arguments, or `--config=FILE`, one: ArgumentParser accepts both, so
    /// both mean the same), its path, and the file's settings as flags.
    private static func read(_ arguments: [String]) throws -> (at: Int, length: Int, path: String, flags: [String])? {
        guard arguments.first == "train" else { return nil }
        // After a "--" nothing is a flag (ArgumentParser's terminator).
        let end = arguments.firstIndex(of: "--") ?? arguments.endIndex
        var found = [(at: Int, length: Int, path: String)]()
        var index = 1
        while index < end {
            let argument = arguments[index]
            if argument == "--config" {
                guard index + 1 < end else { throw ConfigError("--config needs a JSON file") }
                found.append((index, 2, arguments[index + 1]))
                index += 2
                continue
            }
            if argument.hasPrefix("--config=") {
                let path = String(argument.dropFirst("--config=".count))
                guard !path.isEmpty else { throw ConfigError("--config needs a JSON file") }
                found.append((index, 1, path))
            }
            index += 1
        }
        guard let (at, length, path) = found.first else { return nil }
        guard found.count == 1 else {
            throw ConfigError("--config is given twice; give one file (flags on the command line override its settings)")
        }
        if Files.isDirectory(path) { throw ConfigError("--config \(path): is a directory, not a JSON file") }
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError("--config \(path): cannot read the file") }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ConfigError("--config \(path): not a JSON object of settings")
        }
        let settings: [String: Any]
        if let nested = object["settings"] {
            guard let nested = nested as? [String: Any] else { throw ConfigError("--config \(path): \"settings\" is not a JSON object") }
            // Beside its settings, config.json also has `data` (a copy of the setting).
            if let stray = object.keys.sorted().first(where: { !["settings", "data"].contains($0) && !RunRecord.recordFields.contains($0) }) {
                throw ConfigError("--config \(path): \"\(stray)\" stands outside \"settings\"; put it inside, or use a flat object without \"settings\"")
            }
            settings = nested
        } else {
            settings = object.filter { !RunRecord.recordFields.contains($0.key) }
        }
        let kinds = Train.flagKinds
        var flags = [String]()
        for key in settings.keys.sorted() {
            guard key.range(of: "^[a-z][a-z0-9-]*$", options: .regularExpression) != nil else {
                throw ConfigError("--config \(path): \"\(key)\" is not a flag name")
            }
            guard let isSwitch = kinds[key], key != "config" else {
                throw ConfigError("--config \(path): \"\(key)\" is not a setting of vae-dist train")
            }
            let value = settings[key]
            if value == nil || value is NSNull { continue }
            if isSwitch {
                // config.json writes every value as text; an on/off flag's is true or false.
                switch value {
                case let text as String where text == "true" || text == "false":
                    if text == "true" { flags.append("--\(key)") }
                case let number as NSNumber where Self.isJSONBoolean(number):
                    if number.boolValue { flags.append("--\(key)") }
                default:
                    throw ConfigError("--config \(path): \"\(key)\" is on or off: its value must be true or false (got \(Self.describe(value)))")
                }
            } else {
                switch value {
                case let number as NSNumber where Self.isJSONBoolean(number):
                    throw ConfigError("--config \(path): \"\(key)\" takes a value, not \(number.boolValue)")
                case let text as String:
                    flags += ["--\(key)", text]
                case let number as NSNumber:
                    flags += ["--\(key)", number.stringValue]
                default:
                    throw ConfigError("--config \(path): the value of \"\(key)\" is not a string or a number")
                }
            }
        }
        return (at, length, path, flags)
    }

    /// JSON's true and false: Foundation gives them as NSNumbers too, told
    /// apart from the numbers 1 and 0 only by their type code.
    private static func isJSONBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    private static func describe(_ value: Any?) -> String {
        switch value {
        case let text as String: "\"\(text)\""
        case let number as NSNumber: number.stringValue
        default: "a JSON array or object"
        }
    }

    struct ConfigError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
