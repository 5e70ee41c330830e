import SystemIO

/// `OUT/metrics.jsonl`, appended by rank 0 once per epoch.
package struct MetricsLog {
    package static let fileName = "metrics.jsonl"
    let path: String

    package init(path: String) {
        self.path = path
    }

    package func append(_ metrics: EpochMetrics) throws(FileError) {
        let existing = Files.exists(path) ? try Files.read(path) : []
        try Files.writeAtomically(existing + Array((metrics.jsonLine + "\n").utf8), to: path)
    }

    /// Drops lines for steps after `step`: on resume, epochs the checkpoint
    /// does not include are trained again and must not be listed twice.
    package func truncate(afterStep step: Int) throws(FileError) {
        guard Files.exists(path) else { return }
        let lines = String(decoding: try Files.read(path), as: UTF8.self).split(separator: "\n")
        let kept = lines.filter { line in
            guard let range = line.range(of: "\"step\":") else { return false }
            let digits = line[range.upperBound...].prefix { $0.isNumber }
            return Int(digits).map { $0 <= step } ?? false
        }
        guard kept.count != lines.count else { return }
        try Files.writeAtomically(Array(kept.map { $0 + "\n" }.joined().utf8), to: path)
    }
}
