import Testing
@testable import Training
@testable import Watchdog

/// The stall watchdog's decisions, on a clock the tests move by hand: when a
/// wait counts as a stall, how slow steps raise the limit, that time the
/// process spent suspended does not count, and what the line says.
@Suite struct StallWatchdogTests {
    static let second: Int64 = 1_000_000_000

    @Test func aWaitLongerThanTheTimeoutIsAStallNamingItsPointAndStep() throws {
        let watchdog = StallWatchdog(minimumSeconds: 5, rank: 0, size: 2)
        watchdog.enter(.gradientAgreement, step: 412)
        let entered = watchdog.now()
        #expect(watchdog.stall(at: entered + 4 * Self.second) == nil, "4 s of a 5 s limit is no stall")
        let stall = try #require(watchdog.stall(at: entered + 6 * Self.second))
        #expect(stall.point == .gradientAgreement && stall.step == 412)
        #expect(stall.waitedSeconds >= 5.9 && stall.waitedSeconds <= 6.1)
        watchdog.leave()
        #expect(watchdog.stall(at: entered + 60 * Self.second) == nil, "no wait, no stall, however late")
    }

    @Test func eachWaitIsTimedFromItsOwnStart() throws {
        let watchdog = StallWatchdog(minimumSeconds: 5, rank: 1, size: 2)
        watchdog.enter(.gradientAgreement, step: 3)
        watchdog.leave()
        let second = watchdog.now()
        watchdog.enter(.update, step: 3)
        #expect(watchdog.stall(at: second + 4 * Self.second) == nil)
        #expect(try #require(watchdog.stall(at: second + 6 * Self.second)).point == .update)
    }

    @Test func slowStepsRaiseTheLimitToTwentyMedianSteps() {
        let watchdog = StallWatchdog(minimumSeconds: 5, rank: 0, size: 2)
        watchdog.adjust(medianStepSeconds: 0.1)
        #expect(watchdog.limitSeconds == 5, "fast steps: --stall-timeout holds")
        watchdog.adjust(medianStepSeconds: 1.5)
        #expect(abs(watchdog.limitSeconds - 30) < 1e-6)
        watchdog.enter(.checkpointGather, step: 9)
        let entered = watchdog.now()
        #expect(watchdog.stall(at: entered + 20 * Self.second) == nil, "20 s is under 20 steps of 1.5 s")
        #expect(watchdog.stall(at: entered + 31 * Self.second)?.limitSeconds == 30)
    }

    @Test func timeSpentSuspendedDoesNotCount() {
        let watchdog = StallWatchdog(minimumSeconds: 5, rank: 0, size: 2)
        watchdog.enter(.gradientAgreement, step: 7)
        let entered = watchdog.now()
        let resumed = entered + 100 * Self.second
        #expect(watchdog.stall(at: resumed + 1 * Self.second, awakeSince: resumed) == nil,
                "a rank resumed 1 s ago has waited 1 s, whatever the clock says")
        #expect(watchdog.stall(at: resumed + 6 * Self.second, awakeSince: resumed) != nil)
    }

    @Test func theLineNamesTheMissingRankOnlyWhenItCanBeKnown() {
        let stall = Stall(point: .gradientAgreement, step: 412, waitedSeconds: 30.2, limitSeconds: 30, timeoutSeconds: 30,
                          rank: 0, size: 2)
        #expect(stall.message == "rank 0: stalled 30.2 s at step 412 in the gradient agreement (--stall-timeout 30.0 s); rank 1 did not arrive (stopped, hung or far slower); ending the job")
        var many = stall
        many.size = 8
        many.rank = 3
        many.limitSeconds = 44
        #expect(many.message.contains("rank 3: stalled"))
        #expect(many.message.contains("one or more of the other 7 ranks did not arrive (MPI does not say which)"))
        #expect(many.message.contains("limit 44.0 s: 20 x the median step time"))
    }

    @Test func noThreadWatchesWhenTurnedOffOrAlone() {
        #expect(!StallWatchdog(minimumSeconds: 0, rank: 0, size: 4).isActive, "--stall-timeout 0: off")
        #expect(!StallWatchdog(minimumSeconds: 5, rank: 0, size: 1).isActive, "one rank waits for nobody")
        #expect(StallWatchdog(minimumSeconds: 5, rank: 0, size: 2).isActive)
    }

    @Test func theMedianStepTimeIgnoresOccasionalSlowSteps() throws {
        var median = StepTimeMedian()
        #expect(median.record(seconds: 0.2) == 0.2)
        #expect(median.record(seconds: 0.5) == 0.35, "an even count: the mean of the middle two")
        var latest: Double?
        for index in 0..<60 {
            latest = median.record(seconds: index % 10 == 0 ? 50 : 0.1) ?? latest
        }
        #expect(try #require(latest) == 0.1, "a checkpoint's slow step every tenth step does not move it")
        // Once the window is full, steps of a new speed take it over.
        for _ in 0..<StepTimeMedian.window {
            latest = median.record(seconds: 2) ?? latest
        }
        #expect(latest == 2)
    }
}
