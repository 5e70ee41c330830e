import Foundation
import SingleCell
import Testing
import TestSupport

/// The files the tests read, written once per test process by
/// `Tests/tools/single-cell-fixtures.py` with anndata and h5py in the venv
/// of `Tests/tools/anndata-venv.sh`, with NAME.json beside each holding what
/// a reader must find.
enum Fixtures {
    static let need = "needs the anndata/h5py venv of Tests/tools/anndata-venv.sh (python3 -m venv and PyPI: anndata 0.12.19, h5py 3.14.0)"

    static let tools = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("tools")

    /// The venv's python, or nil when the venv cannot be made (no venv module, no PyPI): the tests then skip.
    static let python: String? = {
        let result = Command.execute("/bin/bash", [tools.appendingPathComponent("anndata-venv.sh").path], timeout: 900)
        guard result.status == 0, let last = result.output.split(separator: "\n").last else {
            print("SingleCellTests skipped: \(need): \(result.error)")
            return nil
        }
        return String(last)
    }()

    static var available: Bool { python != nil }

    /// The directory of written files, or why the script failed (a test failure, not a skip).
    static let directory: Result<String, ScriptFailure> = {
        guard let python else { return .failure(ScriptFailure(message: need)) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("single-cell-\(UUID().uuidString)").path
        let script = tools.appendingPathComponent("single-cell-fixtures.py").path
        let result = Command.execute(python, [script, directory], timeout: 300)
        guard result.status == 0 else { return .failure(ScriptFailure(message: "\(script) failed: \(result.error)")) }
        return .success(directory)
    }()

    struct ScriptFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    static func path(_ name: String) throws -> String {
        try directory.get() + "/" + name
    }

    /// NAME.json: what the script says NAME.h5ad holds.
    static func expected(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: try path(name + ".json")))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func matrix(_ value: Any?) throws -> [[Float]] {
        let rows = try #require(value as? [[Double]], "expected a list of rows")
        return rows.map { $0.map(Float.init) }
    }
}

extension CellMatrix {
    /// Every row, densified, read in blocks of `block` rows (ranges that
    /// cross chunk boundaries and end anywhere).
    func denseRows(block: Int = 3) throws -> [[Float]] {
        var rows = [[Float]]()
        var start = 0
        while start < rowCount {
            let range = start..<min(rowCount, start + block)
            let sparse = try self.rows(range)
            #expect(sparse.rows == range)
            for row in range { rows.append(sparse.densify(row: row, columnCount: columnCount)) }
            start = range.upperBound
        }
        return rows
    }
}

/// The SingleCellError a throwing expression threw, or nil (recorded as an issue).
func singleCellError<T>(_ body: () throws(SingleCellError) -> T, sourceLocation: SourceLocation = #_sourceLocation) -> SingleCellError? {
    do {
        _ = try body()
        Issue.record("expected a SingleCellError", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}
