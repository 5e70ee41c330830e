/// A place where every rank waits for all the others: where a rank that is
/// stopped, hung or far slower leaves its peers waiting, and so where
/// ``StallWatchdog`` watches.
package enum SyncPoint: UInt8, CaseIterable, Sendable {
    /// The step's agreement on the loss terms and flags (with the gradients
    /// themselves, in the strategies that send them together).
    case gradientAgreement = 1
    /// The rest of the gradient sum, the global norm and the update.
    case update
    /// Adam's moments gathered to rank 0 for a checkpoint (or best.safetensors).
    case checkpointGather
    /// Every rank waits for rank 0's checkpoint before a graceful stop.
    case stopBarrier
    /// The test set's loss, summed over the ranks at an epoch's end.
    case evaluation
    /// The other figures of an epoch's end (peak memory).
    case epochEnd
    /// The strategy releasing its MPI resources after the last step.
    case release

    /// How the watchdog's message names it.
    var name: String {
        switch self {
        case .gradientAgreement: "the gradient agreement"
        case .update: "the gradient update"
        case .checkpointGather: "the checkpoint gather"
        case .stopBarrier: "the stop barrier"
        case .evaluation: "the test-set evaluation"
        case .epochEnd: "the epoch-end reduction"
        case .release: "the final release"
        }
    }
}
