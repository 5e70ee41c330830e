import Foundation
import SingleCell
import SystemIO
import Testing
import TestSupport

/// A stop signal during a cache build ends it in one line and leaves no
/// temporary. Run in a child process (this test binary again, see
/// ``InterruptWorker``): a stop signal is process-wide and one-way.
@Suite(.enabled(if: Fixtures.available, Comment(rawValue: Fixtures.need)))
struct InterruptTests {
    @Test func aSignalDuringTheCacheBuildEndsItAndRemovesItsTemporary() throws {
        let path = try CacheTests.copy("csr32.h5ad")
        let child = Command.execute(CommandLine.arguments[0], ["--testing-library", "swift-testing", "--filter", "InterruptWorker"],
                                    timeout: 300, environment: ["SINGLE_CELL_INTERRUPT_FILE": path])
        #expect(child.output.contains("outcome: \(path): the sparse cache build was interrupted (signal \(SIGTERM)); nothing was kept"),
                "\(child.combined)")
        let left = try FileManager.default.contentsOfDirectory(atPath: Files.parentDirectory(of: path)).filter { $0.contains(".csr") }
        #expect(left.isEmpty, "\(left)")
    }
}

/// The child side of ``InterruptTests``: does nothing unless
/// SINGLE_CELL_INTERRUPT_FILE names a file; then receives SIGTERM through
/// the real handler and builds that file's cache, printing the outcome.
@Suite struct InterruptWorker {
    @Test func buildAfterASignal() throws {
        guard let path = ProcessInfo.processInfo.environment["SINGLE_CELL_INTERRUPT_FILE"] else { return }
        StopSignals.install()
        StopSignals.simulate(SIGTERM)
        let file = try SingleCellFile(path: path)
        do {
            _ = try SingleCellCache.prepare(file, choice: .x, cache: SingleCellCache.path(for: path, matrix: .x))
            print("outcome: built")
        } catch {
            print("outcome: \(error.description)")
        }
    }
}
