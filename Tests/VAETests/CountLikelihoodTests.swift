import Foundation
import Testing
@testable import VAE

/// The count likelihoods against hand computations, their gradients against
/// central differences of their own Double loss, and zeros against the
/// closed forms of the mixture.
@Suite struct CountLikelihoodTests {
    /// A cell of 7 genes with zeros and counts up to 40, logits and log θ
    /// spread so each term does work.
    static let cell = CountCell(
        counts: [0, 3, 0, 1, 40, 0, 7],
        logits: [0.3, -1.2, 2.0, 0.0, 1.4, -0.7, 0.9],
        logLibrary: Foundation.log(51.0),
        logTheta: [0.5, -1.0, 2.0, 0.1, 1.3, -0.4, 0.0],
        dropoutLogits: [-1.5, 0.3, 2.0, -0.2, -3.0, 0.8, 0.0])

    private func softmax(_ logits: [Float]) -> [Double] {
        let exps = logits.map { Foundation.exp(Double($0)) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }

    /// −log p by the textbook formulas, term by term in Double.
    private func handNegativeLogLikelihood(_ likelihood: CountLikelihood, _ cell: CountCell) -> Double {
        let rho = softmax(cell.logits)
        let library = Foundation.exp(cell.logLibrary)
        var total = 0.0
        for gene in cell.counts.indices {
            let x = Double(cell.counts[gene]), mu = library * rho[gene]
            switch likelihood {
            case .poisson:
                total -= x * Foundation.log(mu) - mu - Foundation.lgamma(x + 1)
            case .negativeBinomial, .zeroInflatedNegativeBinomial:
                let theta = Foundation.exp(Double(cell.logTheta[gene]))
                // NB(x; μ, θ) = Γ(x+θ)/(Γ(θ) x!) (θ/(θ+μ))^θ (μ/(θ+μ))^x
                let logNB = Foundation.lgamma(x + theta) - Foundation.lgamma(theta) - Foundation.lgamma(x + 1)
                    + theta * Foundation.log(theta / (theta + mu)) + x * Foundation.log(mu / (theta + mu))
                if likelihood == .negativeBinomial {
                    total -= logNB
                } else {
                    let dropout = 1 / (1 + Foundation.exp(-Double(cell.dropoutLogits[gene])))
                    let probability = (x == 0 ? dropout : 0) + (1 - dropout) * Foundation.exp(logNB)
                    total -= Foundation.log(probability)
                }
            }
        }
        return total
    }

    @Test(arguments: CountLikelihood.allCases)
    func negativeLogLikelihoodMatchesTheTextbookFormula(likelihood: CountLikelihood) {
        let scored = likelihood.score(Self.cell).negativeLogLikelihood
        let hand = handNegativeLogLikelihood(likelihood, Self.cell)
        #expect(abs(scored - hand) <= 1e-10 * abs(hand), "\(likelihood): \(scored) vs \(hand)")
    }

    /// Poisson(2; 3) and the geometric NB(2; μ = 3, θ = 1) = (1/4)(3/4)², worked by hand.
    @Test func singleGeneCasesWorkedByHand() {
        let poisson = CountLikelihood.poisson.score(CountCell(counts: [2], logits: [0], logLibrary: Foundation.log(3.0)))
        #expect(abs(poisson.negativeLogLikelihood - -(2 * Foundation.log(3.0) - 3 - Foundation.log(2.0))) < 1e-12)
        let geometric = CountLikelihood.negativeBinomial.score(
            CountCell(counts: [2], logits: [0], logLibrary: Foundation.log(3.0), logTheta: [0]))
        #expect(abs(geometric.negativeLogLikelihood - -Foundation.log(0.25 * 0.75 * 0.75)) < 1e-12)
        // One gene: the softmax is constant, so the logit has no gradient.
        #expect(geometric.logits == [0])
    }

    @Test(arguments: CountLikelihood.allCases)
    func gradientsMatchCentralDifferences(likelihood: CountLikelihood) {
        let analytic = likelihood.score(Self.cell)
        let h: Float = 1e-3
        func loss(_ change: (inout CountCell) -> Void) -> Double {
            var cell = Self.cell
            change(&cell)
            return likelihood.score(cell).negativeLogLikelihood
        }
        func numeric(_ path: WritableKeyPath<CountCell, [Float]>, _ gene: Int) -> Double {
            let plus = loss { $0[keyPath: path][gene] += h }
            let minus = loss { $0[keyPath: path][gene] -= h }
            // The step as stored in Float.
            let step = Double(Self.cell[keyPath: path][gene] + h) - Double(Self.cell[keyPath: path][gene] - h)
            return (plus - minus) / step
        }
        var worst = 0.0
        for gene in Self.cell.counts.indices {
            var pairs = [(analytic.logits[gene], numeric(\.logits, gene))]
            if likelihood.hasDispersion { pairs.append((analytic.logTheta[gene], numeric(\.logTheta, gene))) }
            if likelihood.hasDropout { pairs.append((analytic.dropoutLogits[gene], numeric(\.dropoutLogits, gene))) }
            for (a, n) in pairs {
                // Central differences at h = 1e-3 are exact to O(h²)·f''' ≈ 1e-5 here.
                let excess = abs(a - n) / (1e-4 + 1e-4 * abs(n))
                worst = max(worst, excess)
                #expect(excess <= 1, "\(likelihood) gene \(gene): analytic \(a), numeric \(n)")
            }
        }
        #expect(analytic.logits.contains { abs($0) > 1e-2 }, "a degenerate zero gradient would pass trivially")
    }

    /// A wrong gradient fails the same check: the digamma terms dropped from
    /// d/d log θ are caught (they are what the dense part cannot see).
    @Test func aMissingDigammaTermWouldBeCaught() {
        let cell = Self.cell
        let analytic = CountLikelihood.negativeBinomial.score(cell).logTheta
        let gene = 4  // 40 counts: ψ(x + θ) − ψ(θ) is large
        let theta = Foundation.exp(Double(cell.logTheta[gene]))
        let digammaPart = -theta * (CountLikelihood.digamma(40 + theta) - CountLikelihood.digamma(theta))
        #expect(abs(digammaPart) > 0.1 * abs(analytic[gene]), "the term under test must matter: \(digammaPart) vs \(analytic[gene])")
    }

    @Test func digammaMatchesKnownValues() {
        // ψ(1) = −γ, ψ(1/2) = −γ − 2 log 2, ψ(10) = H₉ − γ.
        let gamma = 0.577_215_664_901_532_9
        #expect(abs(CountLikelihood.digamma(1) + gamma) < 1e-12)
        #expect(abs(CountLikelihood.digamma(0.5) - (-gamma - 2 * Foundation.log(2.0))) < 1e-12)
        let harmonic9 = (1...9).map { 1 / Double($0) }.reduce(0, +)
        #expect(abs(CountLikelihood.digamma(10) - (harmonic9 - gamma)) < 1e-12)
        #expect(abs(CountLikelihood.digamma(1e-3) - (-1000.5755719318103)) < 1e-9)
    }

    /// Extreme values stay finite: a huge library, a tiny θ, a saturated dropout.
    @Test(arguments: CountLikelihood.allCases)
    func extremeValuesStayFinite(likelihood: CountLikelihood) {
        let cell = CountCell(counts: [0, 1e6, 0, 2], logits: [80, -80, 0, 3], logLibrary: 30,
                             logTheta: [-20, 20, 0, -5], dropoutLogits: [40, -40, 0, 5])
        let scored = likelihood.score(cell)
        #expect(scored.negativeLogLikelihood.isFinite)
        #expect(scored.logits.allSatisfy(\.isFinite) && scored.logTheta.allSatisfy(\.isFinite)
                && scored.dropoutLogits.allSatisfy(\.isFinite), "\(scored)")
    }
}

/// The count likelihoods against scvi-tools itself: its `log_nb_positive`
/// and `log_zinb_positive` (and torch's Poisson) on the same cell, with
/// autograd's gradients, committed by `Reference/make_scvi_reference.py`
/// (scvi-tools is not needed here). scvi-tools adds ε = 1e-8 inside its
/// logarithms where this code works in log space, hence 1e-6, not 1e-12.
@Suite struct ScviToolsReferenceTests {
    struct Case: Decodable {
        let negative_log_likelihood: Double
        let logits: [Double]
        let log_theta: [Double]
        let dropout_logits: [Double]
    }

    struct Reference: Decodable {
        let scvi_tools: String
        let counts: [Float]
        let logits: [Float]
        let log_theta: [Float]
        let dropout_logits: [Float]
        let log_library: Double
        let cases: [String: Case]
    }

    static func reference() throws -> Reference {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Reference/scvi_reference.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    @Test(arguments: CountLikelihood.allCases)
    func lossAndGradientsMatchScviTools(likelihood: CountLikelihood) throws {
        let reference = try Self.reference()
        let expected = try #require(reference.cases[likelihood.rawValue])
        // The cell the reference was made from is the one these tests use.
        #expect(reference.counts == CountLikelihoodTests.cell.counts && reference.logits == CountLikelihoodTests.cell.logits)
        let cell = CountCell(counts: reference.counts, logits: reference.logits, logLibrary: reference.log_library,
                             logTheta: reference.log_theta, dropoutLogits: reference.dropout_logits)
        let scored = likelihood.score(cell)
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-6 * max(1, abs(b)) }
        #expect(close(scored.negativeLogLikelihood, expected.negative_log_likelihood),
                "\(likelihood): \(scored.negativeLogLikelihood) vs scvi-tools \(reference.scvi_tools) \(expected.negative_log_likelihood)")
        for gene in cell.counts.indices {
            #expect(close(scored.logits[gene], expected.logits[gene]), "\(likelihood) logit \(gene): \(scored.logits[gene]) vs \(expected.logits[gene])")
            #expect(close(scored.logTheta[gene], expected.log_theta[gene]), "\(likelihood) log θ \(gene): \(scored.logTheta[gene]) vs \(expected.log_theta[gene])")
            if likelihood.hasDropout {
                #expect(close(scored.dropoutLogits[gene], expected.dropout_logits[gene]),
                        "\(likelihood) dropout \(gene): \(scored.dropoutLogits[gene]) vs \(expected.dropout_logits[gene])")
            }
        }
    }
}
