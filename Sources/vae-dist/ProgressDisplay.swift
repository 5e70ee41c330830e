import Foundation
import RunDirectory
import SystemIO
import Training

/// A single progress bar per epoch, redrawn in place at most ten times a
/// second: for a person watching a terminal.
final class ProgressBar: ProgressReporter {
    private var lastDrawn = Date.distantPast
    private var drawn = false

    func stepCompleted(_ p: StepProgress) {
        let now = Date()
        guard now.timeIntervalSince(lastDrawn) >= 0.1 || p.step == p.stepsPerEpoch else { return }
        lastDrawn = now
        let width = 30
        let filled = width * p.step / max(p.stepsPerEpoch, 1)
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "") + String(repeating: " ", count: max(0, width - filled - 1))
        let line = "epoch \(p.epoch)/\(p.epochs) [\(bar)] \(p.step)/\(p.stepsPerEpoch)  \(format(p.samplesPerSecond, 0)) samples/s  loss \(p.lossText)  ETA \(format(p.secondsLeft.rounded(.up), 0))s"
        FileHandle.standardOutput.write(Data("\r\u{1B}[K\(line)".utf8))
        drawn = true
    }

    func epochCompleted() {
        if drawn { FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8)) }
        drawn = false
    }
}

/// A plain line every `interval` steps: for batch logs, where a redrawn bar
/// would be noise.
final class ProgressLines: ProgressReporter {
    private let interval: Int

    init(every interval: Int) { self.interval = interval }

    func stepCompleted(_ p: StepProgress) {
        guard p.step % interval == 0, p.step < p.stepsPerEpoch else { return }
        // Each line starts with its time (ISO 8601, UTC), so a batch log shows when things happened.
        let line = "\(EpochMetrics.timestamp(Date()))  epoch \(p.epoch)/\(p.epochs) step \(p.step)/\(p.stepsPerEpoch)  \(format(p.samplesPerSecond, 0)) samples/s  loss \(p.lossText)  \(format(p.secondsLeft.rounded(.up), 0)) s left in epoch"
        // Unbuffered, like the log handler, so lines stay in order in a batch log.
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    func epochCompleted() {}
}

extension StepProgress {
    /// The running loss as both reporters print it; a dash while every step
    /// of the epoch was skipped, since there is no mean to show.
    var lossText: String { runningLoss.map { String(format: "%.2f", $0) } ?? "- (steps skipped)" }
}
