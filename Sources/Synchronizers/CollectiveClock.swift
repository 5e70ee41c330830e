import MPI

/// Wall time a rank spends in (or waiting in) the collectives that
/// synchronize gradients and parameters: the figure `allreduce_seconds`
/// reports. One clock per synchronizer, so each strategy measures exactly
/// the calls it makes and nothing else does.
package final class CollectiveClock {
    package private(set) var seconds: Double = 0

    func measure<Result>(_ body: () throws(MPIError) -> Result) throws(MPIError) -> Result {
        let start = MPIEnvironment.wallTime
        defer { seconds += MPIEnvironment.wallTime - start }
        return try body()
    }
}
