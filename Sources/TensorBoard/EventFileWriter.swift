import SwiftProtobuf
import SystemIO

/// Writes one TensorBoard event file: scalars, images and restart marks,
/// as TFRecords that TensorBoard's own loader reads.
///
/// Each writer creates a new file, `DIR/events.out.tfevents.<seconds>.<host>.<pid>.<n>`,
/// and never appends to a file an earlier run left: a resumed run adds a file
/// to the same directory, and TensorBoard reads a directory's files in name
/// order as one run. Use one writer per directory at a time (say
/// `OUT/tensorboard`); separate curves that TensorBoard should show as
/// separate runs belong in separate directories.
///
/// Records are buffered; ``flush()`` writes them and forces them to disk, and
/// the file holds only whole records after every write. A writer is meant
/// for one thread (rank 0 of the trainer); it is not `Sendable`.
public final class EventFileWriter {
    /// The event file being written.
    public var path: String { records.path }

    private let records: RecordFile

    /// Creates `directory` (and its parents) when missing and a new event file
    /// in it, whose first records are the format version and a session start
    /// at `firstStep`, already flushed to disk.
    ///
    /// The start mark is what hides the leftovers of an interrupted run:
    /// TensorBoard drops the events of the directory's earlier files whose
    /// step is `firstStep` or later. Pass 0 for a fresh run and the
    /// checkpoint's step + 1 for a run resumed from a checkpoint, whose
    /// first logged step is that one. Every file starts this way because
    /// TensorBoard's server ignores the first start mark it meets in a run
    /// (it is the original start, not a restart), so the first run's file
    /// must carry one for a resumed run's mark to count.
    public init(directory: String, firstStep: Int) throws(TensorBoardError) {
        do throws(FileError) {
            try Files.createDirectory(directory)
            records = RecordFile(file: try Self.createFile(in: directory))
            try Files.syncDirectory(directory)
        } catch {
            throw .file(error)
        }
        let now = WallClock.now()
        try write(.fileVersion(wallTime: now))
        try write(.sessionStart(step: firstStep, wallTime: now))
        try flush()
    }

    /// Best effort: records still buffered are written, but errors cannot be
    /// reported from here; call ``close()`` to know that everything landed.
    deinit {
        if !records.file.isClosed { try? records.close() }
    }

    /// Records `value` (a `Double`, `Float`, ...) under `tag` at `step`, as
    /// TensorBoard's 32-bit float. `wallTime` is seconds since the Unix
    /// epoch; nil means now.
    public func addScalar(tag: String, value: some BinaryFloatingPoint, step: Int,
                          wallTime: Double? = nil) throws(TensorBoardError) {
        try addScalars([tag: Double(value)], step: step, wallTime: wallTime)
    }

    /// Records several scalars of one step in a single event (one record),
    /// in the given order; tags must be distinct.
    public func addScalars(_ values: KeyValuePairs<String, Double>, step: Int,
                           wallTime: Double? = nil) throws(TensorBoardError) {
        var seen = Set<String>()
        for (tag, _) in values {
            try check(tag: tag)
            guard seen.insert(tag).inserted else {
                throw .invalidTag(path: path, tag: tag, reason: "appears twice in one event")
            }
        }
        let summaryValues = values.map { Tensorboard_Summary.Value.scalar(tag: $0.key, value: Float($0.value)) }
        try write(.summary(summaryValues, step: step, wallTime: wallTime ?? WallClock.now()))
    }

    /// Records an encoded PNG under `tag` at `step`. `width`, `height` and
    /// `channels` (1 grey, 2 grey + alpha, 3 RGB, 4 RGBA) must be what the
    /// PNG's header says; the bytes are stored as given.
    public func addImage(tag: String, png: [UInt8], width: Int, height: Int, channels: Int, step: Int,
                         wallTime: Double? = nil) throws(TensorBoardError) {
        try check(tag: tag)
        let header: PNGHeader
        do {
            header = try PNGHeader(parsing: png)
        } catch {
            throw .invalidImage(path: path, tag: tag, reason: error.reason)
        }
        guard header.width == width, header.height == height else {
            throw .invalidImage(path: path, tag: tag,
                                reason: "the PNG is \(header.width)x\(header.height), not \(width)x\(height)")
        }
        guard (1...4).contains(channels), header.hasChannels(channels) else {
            throw .invalidImage(path: path, tag: tag,
                                reason: "\(channels) channel(s) do not match PNG colour type \(header.colorType)")
        }
        guard let width32 = Int32(exactly: width), let height32 = Int32(exactly: height) else {
            throw .invalidImage(path: path, tag: tag, reason: "\(width)x\(height) is too large for TensorBoard")
        }
        let value = Tensorboard_Summary.Value.image(tag: tag, png: png, width: width32, height: height32,
                                                    colorspace: Int32(channels))
        try write(.summary([value], step: step, wallTime: wallTime ?? WallClock.now()))
    }

    /// Marks a restart at `step`: TensorBoard drops the events it read before
    /// this mark (in this file and the directory's earlier ones) whose step is
    /// `step` or later, and shows what follows instead. For a run that goes
    /// back to an earlier state without a new writer (reloading a checkpoint
    /// in-process); a new writer marks its own start.
    public func markRestart(step: Int, wallTime: Double? = nil) throws(TensorBoardError) {
        try write(.sessionStart(step: step, wallTime: wallTime ?? WallClock.now()))
    }

    /// Writes the buffered records and forces them to disk.
    public func flush() throws(TensorBoardError) {
        try checkOpen()
        do throws(FileError) {
            try records.flush()
        } catch {
            throw .file(error)
        }
    }

    /// Flushes and closes the file; later calls fail with
    /// ``TensorBoardError/closed(path:)``. Closing twice is harmless.
    public func close() throws(TensorBoardError) {
        guard !records.file.isClosed else { return }
        do throws(FileError) {
            try records.close()
        } catch {
            throw .file(error)
        }
    }

    private func write(_ event: Tensorboard_Event) throws(TensorBoardError) {
        try checkOpen()
        let payload: [UInt8]
        do {
            payload = try event.serializedBytes()
        } catch {
            throw .encoding(path: path, reason: "cannot serialize an event: \(error)")
        }
        do throws(FileError) {
            try records.append(payload: payload)
        } catch {
            throw .file(error)
        }
    }

    private func check(tag: String) throws(TensorBoardError) {
        guard !tag.isEmpty else { throw .invalidTag(path: path, tag: tag, reason: "is empty") }
    }

    private func checkOpen() throws(TensorBoardError) {
        guard !records.file.isClosed else { throw .closed(path: path) }
    }

    /// Creates the file exclusively under a fresh name; another process
    /// taking the same name in the same second (a reused PID) moves this
    /// one to the next sequence number.
    private static func createFile(in directory: String) throws(FileError) -> AppendOnlyFile {
        let seconds = EventFileName.seconds(now: Int(WallClock.now()), existingNames: try Files.list(directory))
        var attempts = 0
        while true {
            let name = EventFileName(seconds: seconds, hostName: ProcessIdentity.hostName,
                                     processID: ProcessIdentity.processID, sequence: EventFileName.nextSequence())
            do throws(FileError) {
                return try AppendOnlyFile.createNew("\(directory)/\(name.text)")
            } catch {
                attempts += 1
                guard Files.exists("\(directory)/\(name.text)"), attempts < 100 else { throw error }
            }
        }
    }
}
