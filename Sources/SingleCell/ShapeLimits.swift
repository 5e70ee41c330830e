import SystemIO

/// Shapes a machine cannot hold, refused from the sizes a file declares
/// before anything of that size is read: a small file can claim any shape.
enum ShapeLimits {
    /// Dense rows in one batch that must fit in memory for a shape to be
    /// trainable at all (a small batch: real files have ~10⁴–10⁵ genes).
    static let smallestBatch = 64

    /// Refuses `genes` when a batch of ``smallestBatch`` dense float32 rows
    /// would exceed this machine's physical memory.
    static func checkGenes(path: String, object: String, cells: Int, genes: Int) throws(SingleCellError) {
        let (bytes, overflow) = genes.multipliedReportingOverflow(by: 4 * smallestBatch)
        guard let memory = PhysicalMemory.bytes, overflow || bytes > memory else { return }
        throw .tooLarge(path: path, reason: "\(object) claims \(cells) cells x \(genes) genes; a batch of \(smallestBatch) dense rows would need "
            + (overflow ? "more bytes than can be counted" : PhysicalMemory.gibibytes(bytes))
            + ", more than this machine's \(PhysicalMemory.gibibytes(memory)) of memory")
    }
}
