import ArgumentParser
import Foundation

// Parsing happens on every rank before MPI starts; only the launcher's rank 0
// (or a process not started by a launcher) prints usage errors, so an
// `mpirun -np 8` typo is reported once, not eight times.
do {
    var command = try VAEDist.parseAsRoot()
    try command.run()
} catch {
    let code = VAEDist.exitCode(for: error)
    if LaunchEnvironment.isFirstRank {
        let message = VAEDist.fullMessage(for: error)
        if code == .success {
            print(message)
        } else if !message.isEmpty {
            FileHandle.standardError.write(Data((message + "\n").utf8))
        }
    }
    exit(code.rawValue)
}
