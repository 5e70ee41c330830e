import Tensors
import Testing
@testable import VAE

/// Two steps of Adam against torch.optim.Adam's formula worked by hand.
@Suite struct AdamTests {
    @Test func twoStepsMatchPyTorchsUpdateRule() {
        let adam = Adam(configuration: Adam.Configuration(learningRate: 0.1), parameterCount: 2)
        let parameters = FloatBuffer([1, -2]).all
        // Step 1, g = [0.5, 0]: m = 0.05, v = 0.00025; m̂ = 0.5, √v̂ = 0.5 → p = 1 − 0.1·0.5/(0.5 + 1e−8).
        adam.update(parameters, gradients: FloatBuffer([0.5, 0]).all)
        #expect(abs(parameters[0] - 0.9) < 1e-6)
        #expect(parameters[1] == -2, "a zero gradient leaves the parameter unchanged")
        // Step 2, g = [−1, 0]: m = 0.9·0.05 − 0.1 = −0.055, v = 0.999·0.00025 + 0.001 = 0.00124975
        // m̂ = −0.055/0.19 = −0.289474, √v̂ = √(0.00124975/0.001999) = 0.790695
        // p = 0.9 + 0.1·0.289474/0.790695 = 0.936610
        adam.update(parameters, gradients: FloatBuffer([-1, 0]).all)
        #expect(abs(parameters[0] - 0.936610) < 2e-6)
        #expect(adam.step == 2)
        #expect(abs(adam.firstMoment[0] - -0.055) < 1e-7)
        #expect(abs(adam.secondMoment[0] - 0.00124975) < 1e-9)
    }
}
