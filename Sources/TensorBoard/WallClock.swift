#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real-time clock, as TensorBoard's `wall_time`: seconds since the Unix
/// epoch with the fraction, so that TensorBoard's "relative" axis shows
/// sub-second gaps between steps.
enum WallClock {
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
