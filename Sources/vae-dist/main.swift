import ArgumentParser
import Foundation
import Tensors

// OpenBLAS's kernels are chosen before anything else runs, so that every
// command (and every BLAS call, MPI's start-up included) runs on them; see
// `BLASKernel`. A problem with the choice is said once, on the first rank.
if let warning = BLASKernel.choice.warning, LaunchEnvironment.isFirstRank {
    FileHandle.standardError.write(Data("vae-dist: warning: \(warning)\n".utf8))
}

// Parsing happens on every rank before MPI starts; only the launcher's rank 0
// (or a process not started by a launcher) prints usage errors, so an
// `mpirun -np 8` typo is reported once, not eight times. Only parsing and
// validation end here: every command's run-time failure goes through
// `Failure` (`runAlone`, or `withMPI` for the commands that use MPI).
do {
    let arguments = try ConfigFile.expand(Array(CommandLine.arguments.dropFirst()))
    var command = try VAEDist.parseAsRoot(arguments)
    try command.run()
} catch let error as ConfigFile.ConfigError {
    if LaunchEnvironment.isFirstRank {
        FileHandle.standardError.write(Data("vae-dist: error: \(error.description)\n".utf8))
    }
    exit(64)
} catch {
    let code = VAEDist.exitCode(for: error)
    if LaunchEnvironment.isFirstRank {
        if code == .success {
            print(VAEDist.fullMessage(for: error))
        } else {
            // One line, like every other vae-dist error; --help has the rest.
            let line = VAEDist.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid usage"
            let message = ConfigFile.attribute(line, arguments: Array(CommandLine.arguments.dropFirst()))
            FileHandle.standardError.write(Data("vae-dist: error: \(message) (see 'vae-dist --help')\n".utf8))
        }
    }
    exit(code.rawValue)
}
