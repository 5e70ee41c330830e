import Synchronization
import SystemIO

/// Ends a job whose ranks wait for a peer that never comes.
///
/// A rank that is alive but stuck (stopped with SIGSTOP, a node hung on
/// I/O) does not die, so mpirun has nothing to react to, and its peers
/// would wait in their next collective forever. The trainer marks every
/// point where ranks wait for each other (``SyncPoint``) with ``enter(_:step:)``
/// and ``leave()``; one background thread looks every
/// ``checkInterval`` seconds, and when this rank has waited at one point
/// longer than the limit it prints one line and ends the process with
/// status 1 (``ImmediateExit``): the launcher then ends every rank, the
/// stuck one included. It makes no MPI call: at `MPI_THREAD_SINGLE` only
/// the main thread may, and the main thread is the one that is blocked.
///
/// The limit is `--stall-timeout`, raised to ``slowStepFactor`` times the
/// median step time so far (``StepTimeMedian``), so that a run whose steps
/// are slow is never taken for a stalled one.
///
/// The marks only store to atomics (a few nanoseconds); the thread only
/// reads them, so a run that never stalls is not affected.
package final class StallWatchdog: Sendable {
    /// Seconds between two looks; how late past the limit a stall may be seen.
    static let checkInterval = 0.5
    /// How many median steps one wait may last before it counts as a stall.
    package static let slowStepFactor = 20.0
    /// A look this much later than planned means the process was suspended
    /// (SIGSTOP and SIGCONT, Slurm's `scontrol suspend`, a machine asleep):
    /// time asleep is not time spent waiting for the others.
    static let suspensionSlack = 2.0

    /// `--stall-timeout` in seconds; 0 turns the watchdog off.
    let minimumSeconds: Double
    let rank: Int
    let size: Int
    private let origin = ContinuousClock.now

    // What the main thread is waiting at, written by it alone as a sequence
    // lock: `generation` is odd while the other three change, so the
    // watchdog never pairs one wait's start with another's name.
    private let generation = Atomic<UInt64>(0)
    private let point = Atomic<UInt8>(0)
    private let step = Atomic<Int>(0)
    private let enteredAt = Atomic<Int64>(0)

    /// The limit in nanoseconds.
    private let limit: Atomic<Int64>
    /// Whether the watchdog's thread should keep looking.
    private let running = Atomic<Bool>(false)

    package init(minimumSeconds: Double, rank: Int, size: Int) {
        self.minimumSeconds = minimumSeconds
        self.rank = rank
        self.size = size
        limit = Atomic(Self.nanoseconds(minimumSeconds))
    }

    /// Whether a thread watches: a timeout was given and there are peers to wait for.
    package var isActive: Bool { minimumSeconds > 0 && size > 1 }

    /// This rank starts waiting at `point` during step `step`.
    package func enter(_ point: SyncPoint, step: Int) {
        publish(point: point.rawValue, step: step, at: now())
    }

    /// This rank stopped waiting (the others arrived, or the wait failed).
    package func leave() {
        publish(point: 0, step: step.load(ordering: .relaxed), at: enteredAt.load(ordering: .relaxed))
    }

    /// Runs `body`, one wait at `point` during step `step`.
    package func waiting<Value, Failure: Error>(at point: SyncPoint, step: Int,
                                        _ body: () throws(Failure) -> Value) throws(Failure) -> Value {
        enter(point, step: step)
        defer { leave() }
        return try body()
    }

    /// Raises the limit to ``slowStepFactor`` times `seconds`, the median
    /// step time, or brings it back to `--stall-timeout`.
    package func adjust(medianStepSeconds seconds: Double) {
        limit.store(Self.nanoseconds(max(minimumSeconds, Self.slowStepFactor * seconds)), ordering: .relaxed)
    }

    /// The current limit in seconds.
    var limitSeconds: Double { Double(limit.load(ordering: .relaxed)) / 1e9 }

    /// The wait that has outlasted the limit at `time` (nanoseconds on the
    /// watchdog's clock), counting only from `awakeSince` (when the process
    /// last resumed from a suspension), or nil.
    func stall(at time: Int64, awakeSince: Int64 = 0) -> Stall? {
        let before = generation.load(ordering: .acquiring)
        let raw = point.load(ordering: .relaxed)
        let waitStep = step.load(ordering: .relaxed)
        let since = enteredAt.load(ordering: .relaxed)
        atomicMemoryFence(ordering: .acquiring)
        guard before & 1 == 0, generation.load(ordering: .relaxed) == before, let waitPoint = SyncPoint(rawValue: raw)
        else { return nil }
        let waited = time - max(since, awakeSince), allowed = limit.load(ordering: .relaxed)
        guard waited > allowed else { return nil }
        return Stall(point: waitPoint, step: waitStep, waitedSeconds: Double(waited) / 1e9,
                     limitSeconds: Double(allowed) / 1e9, timeoutSeconds: minimumSeconds, rank: rank, size: size)
    }

    /// Nanoseconds since the watchdog was made, on a clock that never jumps.
    func now() -> Int64 {
        let (seconds, attoseconds) = (ContinuousClock.now - origin).components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Starts the thread that looks every ``checkInterval`` seconds (when
    /// ``isActive``). On a stall it writes ``Stall/message`` and ends the
    /// process with status 1, without returning to MPI.
    ///
    /// After a suspension of this process, waits count from its resumption:
    /// a whole job suspended and resumed is not stalled, and a rank that was
    /// itself the stopped one, continued by mpirun only to be ended, does
    /// not blame the peers it kept waiting.
    package func start() throws(ThreadStartError) {
        guard isActive, !running.exchange(true, ordering: .relaxed) else { return }
        let lateness = Self.nanoseconds(Self.checkInterval + Self.suspensionSlack)
        try BackgroundThread.start { [self] in
            var lastLook = now(), awakeSince = lastLook
            while running.load(ordering: .relaxed) {
                BackgroundThread.sleep(seconds: Self.checkInterval)
                guard running.load(ordering: .relaxed) else { break }
                let time = now()
                if time - lastLook > lateness { awakeSince = time }
                lastLook = time
                if let stall = stall(at: time, awakeSince: awakeSince) {
                    ImmediateExit.end(saying: "vae-dist: error: \(stall.message)", status: 1)
                }
            }
        }
    }

    /// Lets the thread end (within ``checkInterval``); marks are still cheap afterwards.
    package func stop() {
        running.store(false, ordering: .relaxed)
    }

    private func publish(point raw: UInt8, step value: Int, at time: Int64) {
        let current = generation.load(ordering: .relaxed)
        generation.store(current &+ 1, ordering: .relaxed)
        atomicMemoryFence(ordering: .releasing)
        point.store(raw, ordering: .relaxed)
        step.store(value, ordering: .relaxed)
        enteredAt.store(time, ordering: .relaxed)
        generation.store(current &+ 2, ordering: .releasing)
    }

    private static func nanoseconds(_ seconds: Double) -> Int64 {
        seconds >= 9e9 ? .max : Int64(seconds * 1e9)
    }
}
