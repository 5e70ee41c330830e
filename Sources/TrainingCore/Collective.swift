import MPI

extension Communicator {
    /// Runs `body` on every rank and agrees on the outcome, so a failure on
    /// one rank (a missing file, a bad flag) ends every rank's setup instead
    /// of leaving the others blocked in the next collective.
    ///
    /// The lowest failing rank rethrows its own error (it reports it); every
    /// other rank throws ``TrainingError/failedOnOtherRank(_:)``.
    public func agree<T>(_ body: () throws(TrainingError) -> T) throws(TrainingError) -> T {
        let outcome: Result<T, TrainingError>
        do {
            outcome = .success(try body())
        } catch {
            outcome = .failure(error)
        }
        let failed: [Int32]
        do {
            failed = try allgather([Int32(outcome.isFailure ? 1 : 0)])
        } catch {
            throw .mpi(error)
        }
        if let first = failed.firstIndex(of: 1) {
            if case let .failure(error) = outcome, first == rank { throw error }
            throw .failedOnOtherRank(first)
        }
        return try outcome.get()
    }
}

extension Result {
    var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}
