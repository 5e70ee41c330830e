import Foundation

/// The outcome of running the built `vae-dist` (directly or under mpirun).
public struct CommandResult: Sendable {
    public let status: Int32
    public let output: String
    public let error: String
    public let seconds: Double
    public let timedOut: Bool

    public var combined: String { output + error }
}

/// Runs the built executable as a user would, under a hard timeout, so a hung
/// job fails its test instead of hanging the suite.
public enum Command {
    /// The `vae-dist` binary built next to the test bundle (or
    /// `VAE_DIST_BINARY`).
    public static var binary: String {
        if let path = ProcessInfo.processInfo.environment["VAE_DIST_BINARY"] { return path }
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("vae-dist").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        for candidate in [".build/debug/vae-dist", ".build/release/vae-dist"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return FileManager.default.currentDirectoryPath + "/" + candidate
        }
        return "vae-dist-binary-not-found (run swift build first)"
    }

    /// `vae-dist ARGS` as one process (an MPI singleton).
    public static func run(_ arguments: [String], timeout: Double = 120, environment: [String: String] = [:]) -> CommandResult {
        execute(binary, arguments, timeout: timeout, environment: environment)
    }

    /// `mpirun -np N vae-dist ARGS`, oversubscribed when N exceeds the cores.
    public static func mpirun(_ ranks: Int, _ arguments: [String], timeout: Double = 180,
                              environment: [String: String] = [:]) -> CommandResult {
        let launcher = ["-np", String(ranks), "--oversubscribe", "--timeout", String(Int(timeout)), binary]
        return execute("/usr/bin/mpirun", launcher + arguments, timeout: timeout + 15, environment: environment)
    }

    /// A child environment without the parent's MPI wiring: a process that
    /// inherits OMPI_/PMIX_ variables from an MPI parent joins the wrong job
    /// and exits silently.
    static func cleanEnvironment(adding extra: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { key, _ in
            !["OMPI_", "PMIX_", "OPAL_", "ORTE_"].contains { key.hasPrefix($0) }
        }
        environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        environment["OMPI_MCA_pml"] = "ob1"
        environment["OMPI_MCA_rmaps_base_oversubscribe"] = "1"
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    public static func execute(_ executable: String, _ arguments: [String], timeout: Double,
                               environment: [String: String] = [:]) -> CommandResult {
        guard let running = start(executable, arguments, environment: environment) else {
            return CommandResult(status: -1, output: "", error: "cannot start \(executable)", seconds: 0, timedOut: false)
        }
        return running.wait(timeout: timeout)
    }

    /// Starts `mpirun -np N vae-dist ARGS` and returns at once, so a test can
    /// act on the job (signal a rank, kill it) while it runs.
    public static func startMPI(_ ranks: Int, _ arguments: [String], timeout: Double = 180,
                                environment: [String: String] = [:]) -> RunningCommand? {
        start("/usr/bin/mpirun", ["-np", String(ranks), "--oversubscribe", "--timeout", String(Int(timeout)), binary] + arguments,
              environment: environment)
    }

    public static func start(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) -> RunningCommand? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = cleanEnvironment(adding: environment)
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("vae-out-\(UUID().uuidString)")
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("vae-err-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: outputFile.path, contents: nil),
              FileManager.default.createFile(atPath: errorFile.path, contents: nil),
              let output = try? FileHandle(forWritingTo: outputFile), let error = try? FileHandle(forWritingTo: errorFile)
        else { return nil }
        process.standardOutput = output
        process.standardError = error
        do {
            try withStopSignalsUnblocked { try process.run() }
        } catch {
            return nil
        }
        return RunningCommand(process: process, outputFile: outputFile, errorFile: errorFile, output: output, error: error)
    }
}

/// Runs `body` (a spawn) with SIGINT, SIGTERM and SIGUSR1 unblocked in this
/// thread: a child inherits the spawning thread's signal mask, and the test
/// runner's threads block these, so a launcher script started from them
/// could never trap the Ctrl-C a test sends it, as no user's shell would.
func withStopSignalsUnblocked<T>(_ body: () throws -> T) rethrows -> T {
    var stops = sigset_t(), previous = sigset_t()
    sigemptyset(&stops)
    for number in [SIGINT, SIGTERM, SIGUSR1] { sigaddset(&stops, number) }
    pthread_sigmask(SIG_UNBLOCK, &stops, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    return try body()
}

/// A started process (mpirun or vae-dist) and where its output goes.
public final class RunningCommand: @unchecked Sendable {
    let process: Process
    let outputFile: URL
    let errorFile: URL
    let output: FileHandle
    let error: FileHandle
    let started = Date()

    init(process: Process, outputFile: URL, errorFile: URL, output: FileHandle, error: FileHandle) {
        self.process = process
        self.outputFile = outputFile
        self.errorFile = errorFile
        self.output = output
        self.error = error
    }

    public var processIdentifier: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// The PIDs of the job's ranks: mpirun's children on this machine.
    public var rankProcessIdentifiers: [Int32] {
        let listing = Command.execute("/usr/bin/pgrep", ["-P", String(process.processIdentifier)], timeout: 10)
        return listing.output.split(separator: "\n").compactMap { Int32($0) }.sorted()
    }

    /// Polls `condition` every 20 ms for up to `timeout` seconds.
    public func waitUntil(timeout: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            if !process.isRunning { return condition() }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }

    /// Waits for the process to end (killing it after `timeout` seconds).
    public func wait(timeout: Double) -> CommandResult {
        var timedOut = false
        while process.isRunning {
            if Date().timeIntervalSince(started) > timeout {
                timedOut = true
                process.terminate()
                Thread.sleep(forTimeInterval: 2)
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                break
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        process.waitUntilExit()
        try? output.close()
        try? error.close()
        let out = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: outputFile)
        try? FileManager.default.removeItem(at: errorFile)
        return CommandResult(status: process.terminationStatus, output: out, error: err,
                             seconds: Date().timeIntervalSince(started), timedOut: timedOut)
    }
}
