import Foundation
import TrainingCore

/// The one JSON object that `eval --json` and `inspect --json` print.
///
/// JSON has no NaN or infinity, and Foundation refuses to write them: every
/// non-finite number (a diverged model's loss, a metric a checkpoint
/// recorded as `nan`) is written as `null`, as in `metrics.jsonl`; the
/// table output (without `--json`) says which it is. The object is never
/// empty on success: if it could not be written, the command fails in one
/// line instead.
enum JSONOutput {
    static func line(_ fields: [String: Any]) throws(TrainingError) -> String {
        let data: Data
        do {
            data = try JSONSerialization.data(withJSONObject: finite(fields), options: [.sortedKeys])
        } catch {
            throw .configuration("cannot write the result as JSON: \(error.localizedDescription)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// `value` with every non-finite number, at any depth, replaced by null.
    static func finite(_ value: Any) -> Any {
        switch value {
        case let number as Double: number.isFinite ? number : NSNull()
        case let number as Float: number.isFinite ? Double(number) : NSNull()
        case let object as [String: Any]: object.mapValues { finite($0) }
        case let array as [Any]: array.map { finite($0) }
        default: value
        }
    }
}
