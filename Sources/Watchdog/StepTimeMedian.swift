/// The median duration of the last few steps, for the stall watchdog's
/// limit: a median, so that the occasional slow step (a checkpoint written
/// meanwhile, an epoch's first step) does not move it, and over recent
/// steps only, so that it follows a run whose steps change speed.
package struct StepTimeMedian {
    /// Steps the median is taken over.
    static let window = 63
    /// Once the window is full, the median is recomputed every this many steps.
    static let refreshEvery = 16

    private var durations: [Double] = []
    private var next = 0
    private var recorded = 0

    package init() {}

    /// Adds one step's duration; returns the new median when it was
    /// recomputed (every step until the window is full, then every
    /// ``refreshEvery`` steps), else nil.
    package mutating func record(seconds: Double) -> Double? {
        if durations.count < Self.window {
            durations.append(seconds)
        } else {
            durations[next] = seconds
        }
        next = (next + 1) % Self.window
        recorded += 1
        guard recorded <= Self.window || recorded % Self.refreshEvery == 0 else { return nil }
        let sorted = durations.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
