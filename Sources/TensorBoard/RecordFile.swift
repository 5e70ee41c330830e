import SystemIO

/// An event file's records, buffered in memory and appended to disk whole.
///
/// TensorBoard reads event files while they grow; a reader that meets a torn
/// record waits for the rest, but one that meets garbage after a failed write
/// stops reading the file for good. So only whole records are appended, and
/// when an append fails the file is cut back to the last whole record: after
/// every write, successful or not, the file is a valid sequence of records.
final class RecordFile {
    let file: AppendOnlyFile
    /// Records framed but not yet appended.
    private var pending = [UInt8]()
    /// Pending bytes past which records are appended without waiting for a
    /// flush, so that images cannot pile up in memory.
    private let writeThreshold: Int

    init(file: AppendOnlyFile, writeThreshold: Int = 256 * 1024) {
        self.file = file
        self.writeThreshold = writeThreshold
    }

    var path: String { file.path }

    func append(payload: [UInt8]) throws(FileError) {
        pending += TFRecord.frame(payload)
        if pending.count >= writeThreshold { try writePending() }
    }

    /// Appends the pending records. On failure they stay pending (a later
    /// flush tries again) and the file keeps only the records before them.
    func writePending() throws(FileError) {
        guard !pending.isEmpty else { return }
        let wholeRecords = file.length
        do throws(FileError) {
            try file.append(pending)
        } catch {
            // Best effort: the append's error is the one worth reporting.
            try? file.truncate(to: wholeRecords)
            throw error
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Appends the pending records and flushes the file to disk.
    func flush() throws(FileError) {
        try writePending()
        try file.synchronize()
    }

    func close() throws(FileError) {
        try flush()
        try file.close()
    }
}
