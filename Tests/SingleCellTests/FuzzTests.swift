import Foundation
import Randomness
import SingleCell
import Testing
import TestSupport

/// A valid small `.h5ad`, damaged in many ways from a fixed seed: byte flips,
/// bursts of random bytes, truncations and zeroed runs. Each must end in a
/// thrown SingleCellError or in rows that agree with the matrix's shape.
///
/// The files are read in a child process (this test binary again, running
/// ``FuzzWorker``), one trial at a time under a 10-second alarm, because
/// libhdf5 1.10.8 itself loops forever on some damaged files (in H5HG_read,
/// reading a variable-length string through a corrupt global heap), and a
/// C library's fault cannot be caught in-process. A Swift trap (SIGILL or
/// SIGTRAP: an overflow, a bad index, a failed precondition in our code) or
/// an inconsistent read fails the test; a hang or a crash inside libhdf5 is
/// recorded as a known issue of the library, with the trial's bytes kept.
@Suite(.enabled(if: Fixtures.available, Comment(rawValue: Fixtures.need)))
struct FuzzTests {
    static let trials = 300

    @Test func damagedFilesThrowOrReadConsistently() throws {
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try Fixtures.path("fuzz-seed.h5ad"))))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("single-cell-fuzz-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var generator = SplitMix64(seed: 21)
        var paths = [String]()
        for trial in 0..<Self.trials {
            let path = "\(directory)/trial-\(trial).h5ad"
            try Data(Self.mutate(original, using: &generator)).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        var outcomes = [String: Int]()
        var libraryFaults = [String]()
        var remaining = paths[...]
        while !remaining.isEmpty {
            let log = "\(directory)/outcomes-\(remaining.startIndex).txt"
            let child = Command.execute(CommandLine.arguments[0], ["--testing-library", "swift-testing", "--filter", "FuzzWorker"],
                                        timeout: 600, environment: ["SINGLE_CELL_FUZZ_FILES": remaining.joined(separator: "\n"),
                                                                    "SINGLE_CELL_FUZZ_LOG": log])
            let lines = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n")
            for line in lines {
                let outcome = String(line.split(separator: "\t").last ?? "")
                outcomes[outcome, default: 0] += 1
                #expect(outcome == "read" || outcome.hasPrefix("error."), "\(line)")
            }
            remaining = remaining.dropFirst(lines.count)
            guard let stuck = remaining.first else { break }
            // The child stopped before finishing `stuck`: a signal ends a trial.
            let signal = child.status
            let trap = child.error.contains("Fatal error") || child.error.contains("SIGILL") || child.error.contains("SIGTRAP")
            #expect(!trap, "our code trapped on \(stuck): \(child.error.suffix(2000))")
            #expect(lines.isEmpty || child.status != 0 || child.timedOut, "child ended early without a fault on \(stuck)")
            libraryFaults.append("\(stuck) (status \(signal)\(child.timedOut ? ", timed out" : ""))")
            remaining = remaining.dropFirst()
        }
        print("fuzz outcomes over \(Self.trials) damaged files: \(outcomes.sorted { $0.key < $1.key }); libhdf5 faults: \(libraryFaults.count)")
        #expect(outcomes["read", default: 0] > 0 && outcomes.count > 3, "\(outcomes)")
        // Keep only the files libhdf5 failed on, for a bug report.
        let faulting = Set(libraryFaults.map { String($0.prefix { $0 != " " }) })
        for path in paths where !faulting.contains(path) { try? FileManager.default.removeItem(atPath: path) }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix("outcomes-") {
            try? FileManager.default.removeItem(atPath: "\(directory)/\(name)")
        }
        if libraryFaults.isEmpty {
            try? FileManager.default.removeItem(atPath: directory)
        } else {
            withKnownIssue("libhdf5 1.10.8 hangs or crashes on some damaged files (kept for a bug report)", isIntermittent: true) {
                for fault in libraryFaults { Issue.record("libhdf5 fault reading \(fault)") }
            }
        }
    }

    static func mutate(_ original: [UInt8], using generator: inout SplitMix64) -> [UInt8] {
        var bytes = original
        switch generator.next() % 4 {
        case 0:  // a few single-byte flips anywhere
            for _ in 0...(generator.next() % 4) {
                bytes[Int(generator.next() % UInt64(bytes.count))] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
            }
        case 1:  // a burst of random bytes
            let start = Int(generator.next() % UInt64(bytes.count))
            for index in start..<min(bytes.count, start + 1 + Int(generator.next() % 32)) {
                bytes[index] = UInt8(truncatingIfNeeded: generator.next())
            }
        case 2:  // truncation
            bytes.removeLast(1 + Int(generator.next() % UInt64(bytes.count - 1)))
        default:  // a zeroed run
            let start = Int(generator.next() % UInt64(bytes.count))
            for index in start..<min(bytes.count, start + 1 + Int(generator.next() % 64)) { bytes[index] = 0 }
        }
        return bytes
    }
}

/// The child side of ``FuzzTests``: does nothing unless SINGLE_CELL_FUZZ_FILES
/// lists files; then reads each under a 10-second alarm (SIGALRM ends the
/// process on a hang) and appends "path<TAB>outcome" to SINGLE_CELL_FUZZ_LOG
/// as each one ends, so the parent knows which file stopped it.
@Suite struct FuzzWorker {
    @Test func readListedFiles() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let list = environment["SINGLE_CELL_FUZZ_FILES"], let log = environment["SINGLE_CELL_FUZZ_LOG"] else { return }
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        for path in list.split(separator: "\n").map(String.init) {
            alarm(10)
            let outcome = Self.read(path)
            alarm(0)
            handle.write(Data("\(path)\t\(outcome)\n".utf8))
            try handle.synchronize()
        }
        try handle.close()
    }

    /// "read" when everything was read consistently, "error.CASE" for a
    /// one-line SingleCellError naming the file, anything else is a failure.
    static func read(_ path: String) -> String {
        do {
            let file = try SingleCellFile(path: path)
            let matrix = file.matrix
            guard matrix.columnCount == file.geneNames.count else { return "inconsistent: \(matrix.columnCount) columns, \(file.geneNames.count) genes" }
            let rows = try matrix.rows(0..<matrix.rowCount)
            guard rows.offsets.count == matrix.rowCount + 1,
                  rows.columns.allSatisfy({ $0 >= 0 && Int($0) < matrix.columnCount }) else { return "inconsistent rows" }
            if let annData = file.annData {
                for column in annData.geneColumns { _ = try? annData.booleanGeneColumn(column) }
                for column in annData.observationColumns { _ = try? annData.categoricalObservation(column) }
            }
            return "read"
        } catch {
            guard error.description.hasPrefix(path), !error.description.contains("\n") else { return "badly worded: \(error)" }
            if case let .hdf5(inner) = error { return "error.hdf5." + (Mirror(reflecting: inner).children.first?.label ?? "?") }
            return "error." + (Mirror(reflecting: error).children.first?.label ?? "?")
        }
    }
}
