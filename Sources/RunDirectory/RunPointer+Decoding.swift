import Checkpoints

extension RunPointer {
    /// Why a `latest.json` could not be used; one line.
    struct Damage: Error, CustomStringConvertible {
        let description: String
    }

    /// Parses a pointer file strictly: every field present with its type, file
    /// names that are plain checkpoint names in the directory (never a path
    /// elsewhere, which pruning or moving aside could otherwise be led to),
    /// and `latest` naming the first listed checkpoint.
    static func decode(_ bytes: [UInt8]) throws(Damage) -> RunPointer {
        let root: HeaderJSON.Value
        do {
            root = try HeaderJSON.parse(bytes[...])
        } catch {
            throw Damage(description: "not valid JSON: \(error.description)")
        }
        guard case let .object(fields) = root else { throw Damage(description: "not a JSON object") }
        guard try string(fields["format"], "format") == formatName else {
            throw Damage(description: "format is not \(formatName)")
        }
        guard try integer(fields["version"], "version") == formatVersion else {
            throw Damage(description: "version is not \(formatVersion)")
        }
        let runID = try string(fields["run_id"], "run_id")
        let checkpoints = try array(fields["checkpoints"], "checkpoints").map { value throws(Damage) in try record(value) }
        let lineage = try array(fields["lineage"], "lineage").map { value throws(Damage) in try resumption(value) }
        let latest: String?
        switch fields["latest"] {
        case .null?: latest = nil
        case let value: latest = try string(value, "latest")
        }
        guard latest == checkpoints.first?.fileName else {
            throw Damage(description: "latest does not name the first listed checkpoint")
        }
        guard checkpoints.map(\.step) == checkpoints.map(\.step).sorted(by: >),
              Set(checkpoints.map(\.fileName)).count == checkpoints.count else {
            throw Damage(description: "checkpoints are not listed once each, newest first")
        }
        let blasKernels = kernelNames(fields["blas_kernels"])
        return RunPointer(runID: runID, checkpoints: checkpoints, lineage: lineage, blasKernels: blasKernels)
    }

    /// `blas_kernels` if it is a short list of plain kernel names (letters,
    /// digits, `_`; at most 64 of 32 characters), else empty: the field only
    /// informs, so a damaged one is dropped rather than costing the pointer.
    private static func kernelNames(_ value: HeaderJSON.Value?) -> [String] {
        guard case let .array(items)? = value, items.count <= 64 else { return [] }
        var names = [String]()
        for item in items {
            guard case let .string(name) = item, !name.isEmpty, name.utf8.count <= 32,
                  name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") })
            else { return [] }
            names.append(name)
        }
        return names
    }

    private static func record(_ value: HeaderJSON.Value) throws(Damage) -> CheckpointRecord {
        guard case let .object(fields) = value else { throw Damage(description: "a checkpoint entry is not an object") }
        let name = try string(fields["file"], "file")
        guard CheckpointDirectory.step(ofFileName: name) != nil else {
            throw Damage(description: "\(HeaderJSON.quoted(name)) is not a checkpoint file name")
        }
        let crcText = try string(fields["crc32"], "crc32")
        guard crcText.utf8.count == 8, let crc = UInt32(crcText, radix: 16) else {
            throw Damage(description: "crc32 of \(name) is not 8 hex digits")
        }
        let step = try integer(fields["step"], "step"), byteCount = try integer(fields["bytes"], "bytes")
        guard step >= 0, byteCount >= 0 else { throw Damage(description: "negative step or size for \(name)") }
        return CheckpointRecord(fileName: name, step: step, byteCount: byteCount, crc32: crc)
    }

    private static func resumption(_ value: HeaderJSON.Value) throws(Damage) -> Resumption {
        guard case let .object(fields) = value else { throw Damage(description: "a lineage entry is not an object") }
        let abandoned: String? = try fields["abandoned"].map { value throws(Damage) in try string(value, "abandoned") }
        return Resumption(from: try string(fields["resumed_from"], "resumed_from"), step: try integer(fields["step"], "step"),
                          at: try string(fields["at"], "at"), abandoned: abandoned)
    }

    private static func string(_ value: HeaderJSON.Value?, _ key: String) throws(Damage) -> String {
        guard case let .string(text)? = value else { throw Damage(description: "\(key) is missing or not a string") }
        return text
    }

    private static func integer(_ value: HeaderJSON.Value?, _ key: String) throws(Damage) -> Int {
        guard case let .integer(number)? = value else { throw Damage(description: "\(key) is missing or not an integer") }
        return number
    }

    private static func array(_ value: HeaderJSON.Value?, _ key: String) throws(Damage) -> [HeaderJSON.Value] {
        guard case let .array(items)? = value else { throw Damage(description: "\(key) is missing or not an array") }
        return items
    }
}
