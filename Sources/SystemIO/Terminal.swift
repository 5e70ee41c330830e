#if canImport(Glibc)
import Glibc
#endif

public enum Terminal {
    /// True when a person is watching standard output in a terminal.
    ///
    /// Under mpirun a rank's standard output is a pseudo-terminal whatever
    /// mpirun's own output is (a file, a pipe, a batch log), so the process
    /// that started this one must write to a terminal too: its standard
    /// output is read from /proc (mpirun, or the shell for a direct run).
    public static var isInteractive: Bool {
        guard isatty(STDOUT_FILENO) != 0 else { return false }
        guard let parentOutput = linkTarget("/proc/\(getppid())/fd/1") else { return true }
        return parentOutput.hasPrefix("/dev/pts/") || parentOutput.hasPrefix("/dev/tty")
    }

    private static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink(path, &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
