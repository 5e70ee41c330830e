import Foundation
import Training
import Evaluation

/// `eval`'s progress on standard error (standard output holds the result,
/// which `--json` keeps to one object): a bar redrawn at most ten times a
/// second on a terminal, else a line at every tenth of each phase, so a
/// batch log shows a long evaluation moving without filling up.
final class EvaluationProgressDisplay: EvaluationProgress {
    private let redraws: Bool
    private var lastDrawn = Date.distantPast
    private var lastTenth = -1
    private var drawn = false

    init(terminal: Bool) { redraws = terminal }

    func advanced(phase: String, done: Int, total: Int) {
        guard total > 0 else { return }
        let percent = 100 * Double(done) / Double(total)
        if redraws {
            let now = Date()
            guard now.timeIntervalSince(lastDrawn) >= 0.1 else { return }
            lastDrawn = now
            let width = 30
            let filled = min(width, Int(Double(width) * Double(done) / Double(total)))
            let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
            write("\r\u{1B}[K\(phase) [\(bar)] \(Int(percent))%")
            drawn = true
            return
        }
        let tenth = Int(percent / 10)
        guard tenth > lastTenth else { return }
        lastTenth = tenth
        if tenth > 0 { write("\(phase): \(tenth * 10)% done\n") }
    }

    func phaseFinished(_ phase: String) {
        if drawn { write("\r\u{1B}[K") }
        drawn = false
        lastTenth = -1
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
