import Foundation
import Testing
import Tensors
@testable import VAE

/// vae-dist's forward and backward against PyTorch's autograd on
/// benchmarks/pytorch_vae.py's model (784-400-20), on the closed-form case
/// that `Reference/make_pytorch_reference.py` describes and computed once
/// into `Reference/pytorch_reference.json` (PyTorch is not needed here).
///
/// Tolerances: losses to 1e-5 relative (float sums of ~3,000 terms in
/// another order); per tensor, gradient sums and norms to 1e-4 relative and
/// sampled entries to 1e-4 of the tensor's largest entry (BLAS and PyTorch
/// sum the batch in different orders).
@Suite struct PyTorchReferenceTests {
    struct TensorReference: Decodable {
        let sum: Double
        let norm: Double
        let max_abs: Double
        let indices: [Int]
        let values: [Double]
    }

    struct Reference: Decodable {
        let rows: Int
        let loss: Double
        let reconstruction: Double
        let kl: Double
        let gradients: [String: TensorReference]
    }

    /// The order of pytorch_vae.py's `state_dict`, in vae-dist's names.
    static let stateDictOrder = ["encoder.0.weight", "encoder.0.bias", "fc_mu.weight", "fc_mu.bias",
                                 "fc_logvar.weight", "fc_logvar.bias", "decoder.0.weight", "decoder.0.bias",
                                 "decoder.2.weight", "decoder.2.bias"]

    func loadReference() throws -> Reference {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Reference/pytorch_reference.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    @Test func forwardAndBackwardMatchPyTorch() throws {
        let reference = try loadReference()
        let model = VariationalAutoencoder(architecture: Architecture(inputSize: 784, hidden: [400], latent: 20),
                                           batchCapacity: reference.rows)
        for (k, name) in Self.stateDictOrder.enumerated() {
            let tensor = try #require(model.layout.tensors.first { $0.name == name })
            // A layer's fan-in is its weight's second dimension (PyTorch's `in_features`).
            let layer = name.split(separator: ".").dropLast().joined(separator: ".")
            let weight = try #require(model.layout.tensors.first { $0.name == layer + ".weight" })
            let fanIn = Double(weight.shape[1])
            for i in 0..<tensor.count {
                model.parameters[tensor.offset + i] = Float(sin(0.37 * Double(i) + 1.3 * Double(k)) / fanIn.squareRoot())
            }
        }
        let batch = model.batch(rows: reference.rows)
        for r in 0..<reference.rows {
            for c in 0..<784 { batch.input[r, c] = Float(0.5 + 0.45 * sin(0.11 * Double(c) + 0.7 * Double(r))) }
            for j in 0..<20 { batch.noise[r, j] = Float(sin(1.7 * Double(j) + 0.3 * Double(r))) }
        }
        let terms = model.lossAndGradients(batch, objective: Objective(reconstruction: .bce, beta: 1))

        #expect(abs(terms.loss - reference.loss) <= 1e-5 * abs(reference.loss), "loss \(terms.loss) vs PyTorch \(reference.loss)")
        #expect(abs(terms.reconstruction - reference.reconstruction) <= 1e-5 * abs(reference.reconstruction))
        #expect(abs(terms.kl - reference.kl) <= 1e-5 * abs(reference.kl), "KL \(terms.kl) vs PyTorch \(reference.kl)")
        #expect(reference.gradients.count == Self.stateDictOrder.count)
        for name in Self.stateDictOrder {
            let expected = try #require(reference.gradients[name])
            let tensor = try #require(model.layout.tensors.first { $0.name == name })
            let gradient = model.gradients.slice(from: tensor.offset, count: tensor.count).array.map(Double.init)
            let sum = gradient.reduce(0, +), norm = gradient.map { $0 * $0 }.reduce(0, +).squareRoot()
            #expect(abs(sum - expected.sum) <= 1e-4 * max(abs(expected.sum), expected.norm), "\(name): sum \(sum) vs \(expected.sum)")
            #expect(abs(norm - expected.norm) <= 1e-4 * expected.norm, "\(name): norm \(norm) vs \(expected.norm)")
            for (index, value) in zip(expected.indices, expected.values) {
                #expect(abs(gradient[index] - value) <= 1e-4 * expected.max_abs, "\(name)[\(index)]: \(gradient[index]) vs \(value)")
            }
        }
    }
}
