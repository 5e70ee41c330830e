import MPI
import Tensors
import VAE

/// The overlap of ``AllreduceSynchronizer``: as soon as the backward pass
/// has finished the decoder (its gradients are the buffer's last contiguous
/// block), their allreduce starts; the encoder's backward then runs while it
/// is under way, polling MPI between layers because OpenMPI only advances
/// non-blocking collectives inside MPI calls. Every rank starts and finishes
/// it at the same point of the step, so the collectives stay in the same
/// order everywhere.
final class OverlappedDecoderSync {
    private let communicator: Communicator
    private let decoderGradients: Vector
    private let encoderLayers: Int
    private var pending: PendingCollective?
    private var failure: MPIError?
    /// Whether the decoder's gradients were finite when they were sent
    /// (afterwards they are being summed in place).
    private(set) var decoderWasFinite = true
    /// Steps in which the decoder's allreduce was started from the backward
    /// hook: what proves the overlap happened.
    private(set) var overlappedSteps = 0

    init(communicator: Communicator, model: VariationalAutoencoder) {
        self.communicator = communicator
        decoderGradients = model.gradients.slice(from: model.decoderOffset, count: model.layout.count - model.decoderOffset)
        encoderLayers = model.encoderLayerCount
    }

    /// Forgets the previous step's collective.
    func begin() {
        pending = nil
        failure = nil
        decoderWasFinite = true
    }

    /// The model's per-layer hook during the backward pass.
    func layerDone(layersLeft: Int) {
        guard failure == nil else { return }
        do throws(MPIError) {
            if layersLeft == encoderLayers {
                decoderWasFinite = decoderGradients.isFinite
                pending = try communicator.startAllreduce(decoderGradients)
                overlappedSteps += 1
            } else if layersLeft < encoderLayers {
                _ = try pending?.test()
            }
        } catch {
            failure = error
        }
    }

    /// Waits for the decoder's allreduce (and reports any MPI failure from the hook).
    func finish() throws(MPIError) {
        if let failure { throw failure }
        try pending?.wait()
    }
}
