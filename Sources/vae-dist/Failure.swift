import Foundation
import SystemIO
import Training
import TrainingCore

/// The one way a vae-dist command fails after its flags were parsed: one
/// line on standard error, from the rank that knows why, then the error's
/// exit status (75 for a stop that saved its work, 1 for every failure;
/// usage errors, 64, are the argument parser's, in `main.swift`).
enum Failure {
    /// Writes `vae-dist: error: MESSAGE`, prefixed with the rank on ranks
    /// other than 0 of a multi-rank job, so a condition one rank saw is never
    /// mistaken for the job's.
    static func report(_ message: String, rank: Int = 0, size: Int = 1) {
        let tag = size > 1 && rank != 0 ? "rank \(rank): " : ""
        FileHandle.standardError.write(Data("vae-dist: error: \(tag)\(message)\n".utf8))
    }
}

/// Runs a command that works as one process (sample, reconstruct, manifold,
/// inspect, export) and ends the process on failure.
///
/// Under a launcher with several ranks, every rank would write the same
/// file and print the same lines, so such a command refuses to start there
/// (rank 0 says so; every rank exits 64).
///
/// Stop signals are recorded rather than fatal, so the command can check
/// ``requireNotInterrupted()`` before it writes anything and end with one
/// line and 128 + the signal, leaving no output file (a second signal still
/// ends it at once).
func runAlone(_ command: String, _ body: () throws(TrainingError) -> Void) {
    if LaunchEnvironment.size > 1 {
        if LaunchEnvironment.isFirstRank {
            Failure.report("'vae-dist \(command)' runs as one process; start it without mpirun/srun (this job has \(LaunchEnvironment.size) ranks)")
        }
        exit(64)
    }
    StopSignals.install()
    injectTestSignal()
    do {
        try body()
    } catch {
        Failure.report(error.description)
        exit(error.exitStatus)
    }
}

/// Throws ``TrainingError/interrupted(signal:)`` when a stop signal arrived:
/// called by the single-process commands before they write their output.
func requireNotInterrupted() throws(TrainingError) {
    if let signal = StopSignals.pending { throw .interrupted(signal: signal) }
}

/// For tests: `VAE_DIST_TEST_FAULT=signal:0:0:NUMBER` raises NUMBER once a
/// single-process command has started its work, through the real handler,
/// as a Ctrl-C at that moment would (its work takes too little time to hit
/// from outside reliably).
private func injectTestSignal() {
    guard let text = ProcessInfo.processInfo.environment["VAE_DIST_TEST_FAULT"] else { return }
    for fault in text.split(separator: ",").compactMap({ FaultInjection(String($0)) }) {
        if case let .signal(0, 0, number) = fault { StopSignals.simulate(number) }
    }
}
