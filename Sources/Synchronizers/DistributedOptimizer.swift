import MPI
import Tensors
import VAE

/// Adam as checkpoints see it, wherever its state lives: replicated on every
/// rank, sharded over the ranks (``PartitionedAdam``), or one copy per node
/// in shared memory (``NodeSharedAdam``). Writing a checkpoint gathers the
/// whole moments to rank 0; restoring one gives every rank what it holds.
/// Both are collective: every rank calls them at the same point.
package protocol DistributedOptimizer: AnyObject {
    /// This rank's Adam: its step count is the run's (equal on every rank).
    var adam: Adam { get }

    /// Adam's whole moments on rank 0, for a checkpoint; nil on other ranks.
    func gatherMoments() throws(MPIError) -> (first: Vector, second: Vector)?

    /// Restores rank 0's whole moments (from a checkpoint) to every rank, in
    /// whatever form this optimizer keeps them. Other ranks pass nil.
    func distributeMoments(first: Vector?, second: Vector?) throws(MPIError)
}

extension PartitionedAdam: DistributedOptimizer {}
