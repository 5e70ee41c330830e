extension Vector {
    /// Overwrites the elements with the element-wise sum of `terms`, added in
    /// the order given (so every caller that passes the same terms in the
    /// same order gets the same bits).
    ///
    /// One of the terms may be this vector itself: each element is read from
    /// every term before it is written, so summing the node's gradient
    /// segments into one of them needs no scratch buffer.
    public func storeSum(of terms: [Vector]) {
        precondition(!terms.isEmpty, "a sum needs at least one term")
        precondition(terms.allSatisfy { $0.count == count }, "summed vectors differ in length")
        let out = buffer.base + offset
        let sources = terms.map { $0.buffer.base + $0.offset }
        var i = 0
        while i + 8 <= count {
            var total = sources[0].lanes(at: i)
            for source in sources.dropFirst() { total += source.lanes(at: i) }
            out.store(total, at: i)
            i += 8
        }
        while i < count {
            var total = sources[0][i]
            for source in sources.dropFirst() { total += source[i] }
            out[i] = total
            i += 1
        }
    }
}
