import Foundation
import Logging

/// Plain, line-buffered log output for a multi-rank job: rank 0's
/// informational lines go to standard output as they are (readable in a
/// terminal and in batch logs); warnings and errors from any rank go to
/// standard error, tagged with the rank when there is more than one; lines
/// about one rank's own state (`metadata: ["scope": "rank"]`) come from
/// every rank, tagged.
struct RankLogHandler: LogHandler {
    let rank: Int
    let size: Int
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    init(rank: Int, size: Int, level: Logger.Level) {
        self.rank = rank
        self.size = size
        logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let isProblem = event.level >= .warning
        // Rank-local facts (metadata scope: rank) are worth a line from every rank.
        let isRankLocal = event.metadata?["scope"] == "rank"
        guard rank == 0 || isProblem || isRankLocal else { return }
        let tag = size > 1 && rank != 0 ? "rank \(rank): " : ""
        if isProblem {
            FileHandle.standardError.write(Data("vae-dist: \(event.level): \(tag)\(event.message)\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data("\(isRankLocal ? "rank \(rank): " : "")\(event.message)\n".utf8))
        }
    }
}
