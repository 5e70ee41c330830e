extension Architecture {
    /// The number of parameters (``ParameterLayout/count``), or nil when it
    /// does not fit in `Int`.
    ///
    /// Computed with overflow checks and without building a layout, so a
    /// file that claims an absurd architecture can be measured, and refused,
    /// before anything is allocated for it.
    public var checkedParameterCount: Int? {
        var total = 0
        func addLinear(input: Int, output: Int) -> Bool {
            let (weights, weightsOverflow) = input.multipliedReportingOverflow(by: output)
            let (layer, layerOverflow) = weights.addingReportingOverflow(output)
            let (sum, sumOverflow) = total.addingReportingOverflow(layer)
            total = sum
            return !(weightsOverflow || layerOverflow || sumOverflow)
        }
        for shape in encoderShapes where !addLinear(input: shape.input, output: shape.output) { return nil }
        // μ and log σ² heads: two Linear(width, latent) layers.
        for _ in 0..<2 where !addLinear(input: encoderOutputSize, output: latent) { return nil }
        for shape in decoderShapes where !addLinear(input: shape.input, output: shape.output) { return nil }
        if hasDecoderLogVariance {
            let (sum, overflow) = total.addingReportingOverflow(inputSize)
            if overflow { return nil }
            total = sum
        }
        return total
    }
}
