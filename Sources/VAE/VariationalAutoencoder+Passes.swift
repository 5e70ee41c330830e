import RealModule
import Randomness
import Tensors

/// The forward and backward passes every loss, gradient and reading runs.
extension VariationalAutoencoder {
    /// The loss terms of each row group.
    func forward(_ batch: Batch, objective: Objective, groups: RowGroups, keepGradient: Bool,
                         accumulate: Bool) -> [LossTerms] {
        checkMatchesArchitecture(objective.reconstruction)
        let rows = batch.input.rows
        var activation = batch.input
        for (index, layer) in encoder.enumerated() {
            let output = workspace.encoderOutputs[index].prefix(rows: rows)
            groups.apply(to: activation, into: output) { layer.forward($0, into: $1, relu: true) }
            activation = output
        }
        let head = workspace.head.prefix(rows: rows)
        groups.apply(to: activation, into: head) { self.head.forward($0, into: $1, relu: false) }
        let latent = workspace.latent.prefix(rows: rows)
        let kl = (0..<groups.count).map { group in
            let rows = groups.rows(of: group)
            return reparameterize(head: head.rows(from: rows.lowerBound, count: rows.count),
                                  noise: batch.noise.rows(from: rows.lowerBound, count: rows.count),
                                  into: latent.rows(from: rows.lowerBound, count: rows.count))
        }
        let logits = runDecoder(rows: rows, groups: groups)
        let means = workspace.probabilities.prefix(rows: rows)
        let gradient = keepGradient ? workspace.decoderGradients[decoder.count - 1].prefix(rows: rows) : nil
        let terms = (0..<groups.count).map { group in
            let range = groups.rows(of: group)
            func part(_ matrix: Matrix) -> Matrix { matrix.rows(from: range.lowerBound, count: range.count) }
            // The last layer's gradient goes straight into place for the backward;
            // a Gaussian's log σ² gradient is complete here, before any layer's.
            let reconstruction = objective.reconstruction.score(
                decoderOutput: part(logits), targets: part(batch.input), logVariance: decoderLogVariance?[group],
                means: part(means), gradient: gradient.map(part), accumulate: accumulate, rowLosses: nil)
            return LossTerms(loss: reconstruction + Double(objective.beta) * kl[group], reconstruction: reconstruction,
                             kl: kl[group])
        }
        if keepGradient, let sum = decoderLogVarianceSum, let parts = decoderLogVariance {
            sum.setPairwiseSum(of: parts.map(\.gradient))
        }
        return terms
    }

    /// A Gaussian reconstruction needs the log-variance vector and the others
    /// would leave its gradient unwritten: the objective must fit the model.
    func checkMatchesArchitecture(_ reconstruction: Reconstruction) {
        precondition(reconstruction.learnsDecoderVariance == architecture.hasDecoderLogVariance,
                     "reconstruction \(reconstruction.rawValue) does not fit a \(architecture) model")
    }

    /// Runs the decoder from `workspace.latent`; returns the logits.
    func runDecoder(rows: Int, groups: RowGroups) -> Matrix {
        var activation = workspace.latent.prefix(rows: rows)
        for (index, layer) in decoder.enumerated() {
            let output = workspace.decoderOutputs[index].prefix(rows: rows)
            groups.apply(to: activation, into: output) { layer.forward($0, into: $1, relu: index < decoder.count - 1) }
            activation = output
        }
        return activation
    }

    func backward(_ batch: Batch, objective: Objective, groups: RowGroups, accumulate: Bool,
                          afterLayer: ((Int) -> Void)?) {
        let rows = batch.input.rows
        // Decoder, last layer first; the logit gradient is already in place.
        for index in stride(from: decoder.count - 1, through: 0, by: -1) {
            let outputGradient = workspace.decoderGradients[index].prefix(rows: rows)
            let input = index == 0 ? workspace.latent.prefix(rows: rows) : workspace.decoderOutputs[index - 1].prefix(rows: rows)
            let inputGradient = index == 0
                ? workspace.latentGradient.prefix(rows: rows) : workspace.decoderGradients[index - 1].prefix(rows: rows)
            decoder[index].backward(outputGradient: outputGradient, input: input, inputGradient: inputGradient,
                                    accumulate: accumulate, groups: groups, terms: groupTerms)
            if index > 0 { inputGradient.maskByPositive(input) }
            afterLayer?(index + encoderLayerCount)
        }

        let headGradient = workspace.headGradient.prefix(rows: rows)
        reparameterizeBackward(head: workspace.head.prefix(rows: rows), noise: batch.noise,
                               latentGradient: workspace.latentGradient.prefix(rows: rows),
                               beta: objective.beta, into: headGradient)

        let encoderCount = encoder.count
        let headInput = encoderCount == 0 ? batch.input : workspace.encoderOutputs[encoderCount - 1].prefix(rows: rows)
        let headInputGradient = encoderCount == 0 ? nil : workspace.encoderGradients[encoderCount - 1].prefix(rows: rows)
        head.backward(outputGradient: headGradient, input: headInput, inputGradient: headInputGradient, accumulate: accumulate,
                      groups: groups, terms: groupTerms)
        if let headInputGradient { headInputGradient.maskByPositive(headInput) }
        afterLayer?(encoderCount)

        // Encoder; the first layer needs no gradient for the data.
        for index in stride(from: encoderCount - 1, through: 0, by: -1) {
            let outputGradient = workspace.encoderGradients[index].prefix(rows: rows)
            let input = index == 0 ? batch.input : workspace.encoderOutputs[index - 1].prefix(rows: rows)
            let inputGradient = index == 0 ? nil : workspace.encoderGradients[index - 1].prefix(rows: rows)
            encoder[index].backward(outputGradient: outputGradient, input: input, inputGradient: inputGradient,
                                    accumulate: accumulate, groups: groups, terms: groupTerms)
            if let inputGradient { inputGradient.maskByPositive(input) }
            afterLayer?(index)
        }
    }
}
