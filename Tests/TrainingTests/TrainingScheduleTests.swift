import Testing
@testable import Training
@testable import Checkpoints
@testable import Synchronizers

/// The learning rate and β of every step, against values worked by hand.
@Suite struct TrainingScheduleTests {
    @Test func klWarmUpStartsAtZeroAndReachesBetaAtItsLastStep() {
        let schedule = TrainingSchedule(learningRate: 1e-3, horizon: 100, beta: 4, klWarmupSteps: 10)
        #expect(schedule.beta(atStep: 0) == 0)
        #expect(schedule.beta(atStep: 5) == 2)
        #expect(schedule.beta(atStep: 10) == 4 && schedule.beta(atStep: 1000) == 4)
        #expect(TrainingSchedule(learningRate: 1e-3, horizon: 100, beta: 4).beta(atStep: 0) == 4, "no warm-up: β from the start")
    }

    @Test func linearWarmUpThenConstant() {
        let schedule = TrainingSchedule(learningRate: 0.5, warmupSteps: 4, horizon: 100, beta: 1)
        #expect([0, 1, 2, 3, 4, 50].map { schedule.learningRate(atStep: $0) } == [0.125, 0.25, 0.375, 0.5, 0.5, 0.5])
    }

    @Test func cosineAnnealsFromTheRateToTheMinimumAtTheHorizon() {
        let schedule = TrainingSchedule(shape: .cosine, learningRate: 1, warmupSteps: 10, minimumRate: 0.25, horizon: 110, beta: 1)
        #expect(schedule.learningRate(atStep: 10) == 1)
        #expect(abs(schedule.learningRate(atStep: 60) - 0.625) < 1e-12, "halfway: the mean of the ends")
        #expect(abs(schedule.learningRate(atStep: 110) - 0.25) < 1e-12)
        #expect(schedule.learningRate(atStep: 500) == schedule.learningRate(atStep: 110), "past the horizon it stays at the minimum")
    }

    @Test func stepDecaysByGammaEveryStepEverySteps() {
        let schedule = TrainingSchedule(shape: .step, learningRate: 0.8, stepEvery: 3, gamma: 0.5, horizon: 100, beta: 1)
        #expect([0, 2, 3, 5, 6, 9].map { schedule.learningRate(atStep: $0) } == [0.8, 0.8, 0.4, 0.4, 0.2, 0.1].map { Double(Float(0.8)) / 0.8 * $0 })
    }

    @Test func clippingFollowsPyTorchsRule() {
        #expect(clippingFactor(norm: 10, limit: nil) == nil)
        #expect(clippingFactor(norm: 1, limit: 5) == nil, "below the limit nothing is scaled")
        #expect(clippingFactor(norm: 10, limit: 5) == Float(5 / (10 + 1e-6)))
    }
}
