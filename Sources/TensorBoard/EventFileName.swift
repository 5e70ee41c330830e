import Synchronization

/// TensorBoard's event file name: `events.out.tfevents.<seconds>.<host>.<pid>.<n>`.
///
/// TensorBoard finds a run's files by the `events.out.tfevents` prefix and
/// reads them in name order, each as a continuation of the one before. A
/// restarted run's file must therefore sort after the file of the run it
/// restarts, or its restart mark would be read before the events it is meant
/// to hide. So the seconds are the creation time pushed past every events file
/// already in the directory: the order holds when a run restarts within the
/// same second, or after the clock went back. The seconds are zero-padded to
/// ten digits as TensorFlow writes them, so name order is numeric order.
/// `<n>` counts the files this process has created, keeping names unique
/// when one process opens several writers.
struct EventFileName {
    static let prefix = "events.out.tfevents."

    let seconds: Int
    let hostName: String
    let processID: Int32
    let sequence: Int

    var text: String {
        let digits = String(seconds)
        let padded = String(repeating: "0", count: max(0, 10 - digits.count)) + digits
        return "\(Self.prefix)\(padded).\(hostName.replacing("/", with: "_")).\(processID).\(sequence)"
    }

    /// The seconds of a new file in a directory holding `existingNames`.
    static func seconds(now: Int, existingNames: [String]) -> Int {
        let newest = existingNames.compactMap(seconds(in:)).max()
        return newest.map { max(now, $0 + 1) } ?? now
    }

    /// The seconds field of an events file name, nil for other files.
    static func seconds(in name: String) -> Int? {
        guard name.hasPrefix(prefix) else { return nil }
        return Int(name.dropFirst(prefix.count).prefix { $0 != "." })
    }

    /// The next `<n>` for this process.
    static func nextSequence() -> Int {
        counter.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    private static let counter = Atomic<Int>(0)
}
