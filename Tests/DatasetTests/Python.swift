import Foundation
import Testing
import TestSupport

/// Runs `python3 -c script args…` (NumPy for writing and checking .npy
/// files, the spec-written PNG reader) and returns its standard output,
/// recording an issue when it fails.
func python(_ script: String, _ arguments: [String] = []) -> String {
    let result = Command.execute("/usr/bin/env", ["python3", "-c", script] + arguments, timeout: 120)
    #expect(result.status == 0, "python3 failed: \(result.error)")
    return result.output
}

/// Bytes of a file written by a test.
func contents(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

func write(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}
