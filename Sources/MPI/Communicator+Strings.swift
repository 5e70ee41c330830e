extension Communicator {
    /// Every rank's `text`, in rank order: names and short labels (a BLAS
    /// kernel, a host), cut to `maximumBytes` of UTF-8 so the exchange is
    /// one fixed-size allgather.
    public func allgather(_ text: String, maximumBytes: Int = 64) throws(MPIError) -> [String] {
        precondition(maximumBytes > 0, "a string allgather needs room for at least one byte")
        var bytes = Array(text.utf8.prefix(maximumBytes))
        bytes += [UInt8](repeating: 0, count: maximumBytes - bytes.count)
        let all = try allgather(bytes)
        return (0..<size).map { rank in
            let slot = all[(rank * maximumBytes)..<((rank + 1) * maximumBytes)]
            return String(decoding: slot.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
