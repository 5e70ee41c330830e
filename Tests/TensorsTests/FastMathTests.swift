import Foundation
import Testing
@testable import Tensors

/// The vectorized exp and log1p against libm over their whole domains.
@Suite struct FastMathTests {
    @Test func exponentMatchesLibmWithinFourUlp() {
        var worst: Float = 0
        var x: Float = -87
        while x <= 0 {
            let fast = exponentOfNonPositive(Lanes(repeating: x))[0]
            let exact = Float(Foundation.exp(Double(x)))
            worst = max(worst, abs(fast - exact) / exact.ulp)
            x += 0.001_37
        }
        #expect(worst <= 4, "worst error \(worst) ulp")
        #expect(exponentOfNonPositive(Lanes(repeating: -100))[0] == 0, "underflows to exactly 0")
        #expect(exponentOfNonPositive(Lanes(repeating: 0))[0] == 1)
    }

    @Test func logOnePlusMatchesLibmWithinFourUlp() {
        var worst: Float = 0
        var e: Float = 0
        while e <= 1 {
            let fast = logOnePlus(Lanes(repeating: e))[0]
            let exact = Float(Foundation.log1p(Double(e)))
            worst = max(worst, exact == 0 ? abs(fast) / Float.leastNormalMagnitude : abs(fast - exact) / exact.ulp)
            e += 0.000_731
        }
        #expect(worst <= 4, "worst error \(worst) ulp")
    }

    @Test(arguments: [1, 7, 8, 9, 20])
    func logisticLossMatchesTheDoubleFormulaForAnyRowLength(columns: Int) {
        let buffer = FloatBuffer(count: 4 * 2 * columns)
        let logits = buffer.matrix(offset: 0, rows: 2, columns: columns)
        let targets = buffer.matrix(offset: 2 * columns, rows: 2, columns: columns)
        let probabilities = buffer.matrix(offset: 4 * columns, rows: 2, columns: columns)
        let gradient = buffer.matrix(offset: 6 * columns, rows: 2, columns: columns)
        for i in 0..<(2 * columns) {
            logits.flattened[i] = Float(i % 11) * 2.3 - 12
            targets.flattened[i] = Float(i % 5) / 4
        }
        for kind in [LogisticLoss.crossEntropy, .squaredError] {
            let total = logits.logisticLoss(kind, targets: targets, probabilities: probabilities, gradient: gradient)
            var expected = 0.0
            for i in 0..<(2 * columns) {
                let l = Double(logits.flattened[i]), x = Double(targets.flattened[i])
                let p = 1 / (1 + Foundation.exp(-l))
                expected += kind == .crossEntropy ? max(l, 0) - l * x + Foundation.log1p(Foundation.exp(-abs(l))) : (p - x) * (p - x)
                #expect(abs(Double(probabilities.flattened[i]) - p) < 1e-6)
                let g = kind == .crossEntropy ? p - x : 2 * (p - x) * p * (1 - p)
                #expect(abs(Double(gradient.flattened[i]) - g) < 1e-6)
            }
            #expect(abs(total - expected) <= 1e-5 * max(1, abs(expected)), "\(kind): \(total) vs \(expected)")
        }
    }
}
