/// Sums of float vectors in one fixed order, whatever holds the terms.
///
/// Float addition is commutative but not associative: a + b is the same bits
/// as b + a, but (a + b) + c need not be a + (b + c). A balanced binary tree
/// over the terms in index order — ((t0 + t1) + (t2 + t3)) + … — fixes every
/// grouping, so any split of the terms into aligned power-of-two blocks can
/// sum its blocks apart (on different ranks) and the block sums afterwards,
/// and still give the same bits as one process summing all the terms.
extension Vector {
    /// self[i] = the balanced pairwise tree sum of `terms[·][i]`, in index
    /// order; `terms.count` must be a power of two. Cache-blocked: every term
    /// is read once and the result written once, whatever the tree's depth.
    public func setPairwiseSum(of terms: [Vector]) {
        precondition(!terms.isEmpty && terms.count & (terms.count - 1) == 0, "a pairwise tree needs a power-of-two count of terms")
        precondition(terms.allSatisfy { $0.count == count }, "pairwise terms differ in length")
        let out = buffer.base + offset
        let sources = terms.map { $0.buffer.base + $0.offset }
        switch sources.count {
        case 1:
            if sources[0] != out { out.update(from: sources[0], count: count) }
        case 2:
            let (a, b) = (sources[0], sources[1])
            for i in 0..<count { out[i] = a[i] + b[i] }
        default:
            // Level one straight from the terms into a scratch block, the
            // upper levels in place in the scratch (it stays in L1), the root
            // out: one read of each term, one write of the result.
            let block = 512
            let pairs = sources.count / 2
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: pairs * block)
            defer { scratch.deallocate() }
            var start = 0
            while start < count {
                let length = Swift.min(block, count - start)
                for pair in 0..<pairs {
                    let (a, b, s) = (sources[2 * pair] + start, sources[2 * pair + 1] + start, scratch + pair * block)
                    for i in 0..<length { s[i] = a[i] + b[i] }
                }
                var width = pairs
                while width > 2 {
                    width /= 2
                    for pair in 0..<width {
                        let (a, b) = (scratch + 2 * pair * block, scratch + (2 * pair + 1) * block)
                        let s = scratch + pair * block
                        for i in 0..<length { s[i] = a[i] + b[i] }
                    }
                }
                let (a, b, o) = (scratch, scratch + block, out + start)
                for i in 0..<length { o[i] = a[i] + b[i] }
                start += length
            }
        }
    }

    /// Whether the two vectors hold the same bits (−0 differs from 0; NaNs
    /// of one payload are equal).
    public func hasSameBits(as other: Vector) -> Bool {
        guard count == other.count else { return false }
        let a = buffer.base + offset
        let b = other.buffer.base + other.offset
        for i in 0..<count where a[i].bitPattern != b[i].bitPattern { return false }
        return true
    }
}
