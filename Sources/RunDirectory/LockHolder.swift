import SystemIO

/// Who holds an output directory's lock: the contents of
/// `OUT/.vae-dist.lock`, one `key=value` per line, so that a refused run (or
/// a person with `cat`) can tell which process, on which host, in which
/// Slurm job, has been writing there since when.
struct LockHolder: Equatable, CustomStringConvertible {
    var host: String
    var processID: String
    /// `SLURM_JOB_ID`: kept by a requeued job, so it tells a job's own
    /// predecessor (whose lock may outlive it on a network file system)
    /// from another job.
    var slurmJobID: String?
    var slurmArrayJobID: String?
    var slurmArrayTaskID: String?
    var started: String

    /// This process, now.
    static func current() -> LockHolder {
        LockHolder(host: ProcessIdentity.hostName, processID: String(ProcessIdentity.processID),
                   slurmJobID: ProcessIdentity.environment("SLURM_JOB_ID"),
                   slurmArrayJobID: ProcessIdentity.environment("SLURM_ARRAY_JOB_ID"),
                   slurmArrayTaskID: ProcessIdentity.environment("SLURM_ARRAY_TASK_ID"),
                   started: ProcessIdentity.utcTimestamp())
    }

    private var fields: [(String, String?)] {
        [("host", host), ("pid", processID), ("slurm_job_id", slurmJobID), ("slurm_array_job_id", slurmArrayJobID),
         ("slurm_array_task_id", slurmArrayTaskID), ("started", started)]
    }

    var encoded: [UInt8] {
        Array(fields.compactMap { key, value in value.map { "\(key)=\($0)\n" } }.joined().utf8)
    }

    /// Reads a lock file's contents; nil when they are empty or lack the host
    /// and PID (a holder that has just locked and not yet written them).
    init?(parsing bytes: [UInt8]) {
        var values = [String: String]()
        for line in String(decoding: bytes.prefix(4096), as: UTF8.self).split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        guard let host = values["host"], let processID = values["pid"] else { return nil }
        self.init(host: host, processID: processID, slurmJobID: values["slurm_job_id"],
                  slurmArrayJobID: values["slurm_array_job_id"], slurmArrayTaskID: values["slurm_array_task_id"],
                  started: values["started"] ?? "an unknown time")
    }

    init(host: String, processID: String, slurmJobID: String?, slurmArrayJobID: String?, slurmArrayTaskID: String?,
         started: String) {
        self.host = host
        self.processID = processID
        self.slurmJobID = slurmJobID
        self.slurmArrayJobID = slurmArrayJobID
        self.slurmArrayTaskID = slurmArrayTaskID
        self.started = started
    }

    /// "PID 123 on host node01 (Slurm job 456, array 450_6), started 2025-01-31T12:00:00Z"
    var description: String {
        var slurm = slurmJobID.map { "Slurm job \($0)" } ?? ""
        if let array = slurmArrayJobID, let task = slurmArrayTaskID { slurm += ", array \(array)_\(task)" }
        return "PID \(Self.printable(processID)) on host \(Self.printable(host))"
            + (slurm.isEmpty ? "" : " (\(Self.printable(slurm)))") + ", started \(Self.printable(started))"
    }

    /// A value from the file, safe to put in a one-line message: anyone can
    /// write the lock file, so control characters are escaped and length is capped.
    private static func printable(_ text: String) -> String {
        let cut = text.unicodeScalars.prefix(80)
        return cut.map { $0.value < 0x20 || $0.value == 0x7F ? $0.escaped(asASCII: true) : String($0) }.joined()
    }
}
