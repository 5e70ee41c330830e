import Foundation
import Logging
import Testing
import TestSupport
@testable import Training
@testable import RunDirectory

/// Pruning and moving aside in an output directory: only files the run's
/// pointer lists, and whose bytes still match it, are ever deleted.
@Suite struct LiveBranchTests {
    let logger = Logger(label: "test")

    func branch(keep: Int) throws -> LiveBranch {
        let directory = try TemporaryDirectory.make(prefix: "branch")
        return LiveBranch(directory: CheckpointDirectory(path: directory.path, keep: keep), pointer: .fresh())
    }

    func names(_ branch: LiveBranch) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: branch.directory.path).sorted()
    }

    @Test func keepsTheNewestKOfItsOwnAndRecordsThemInThePointer() throws {
        var branch = try branch(keep: 2)
        for step in [10, 20, 30, 40] { _ = try branch.save(sampleCheckpoint(step: step), logger: logger) }
        #expect(try names(branch) == ["checkpoint-000000030.safetensors", "checkpoint-000000040.safetensors", "latest.json"])
        let pointer = try RunPointer.decode(try Array(Data(contentsOf: URL(fileURLWithPath: branch.pointerPath))))
        #expect(pointer == branch.pointer)
        #expect(pointer.checkpoints.map(\.step) == [40, 30] && pointer.latest?.fileName == "checkpoint-000000040.safetensors")
    }

    @Test func neverDeletesAFileThatIsNotTheOneItWrote() throws {
        var branch = try branch(keep: 1)
        _ = try branch.save(sampleCheckpoint(step: 10), logger: logger)
        // Junk named like newer checkpoints, and the branch's own file replaced by another checkpoint.
        let junk = branch.directory.path + "/checkpoint-000000999.safetensors"
        try Data("half a file".utf8).write(to: URL(fileURLWithPath: junk))
        let replaced = branch.directory.path + "/checkpoint-000000010.safetensors"
        try Data(sampleCheckpoint(step: 10, seed: 99).encoded()).write(to: URL(fileURLWithPath: replaced))
        _ = try branch.save(sampleCheckpoint(step: 20), logger: logger)
        _ = try branch.save(sampleCheckpoint(step: 30), logger: logger)
        #expect(try names(branch) == ["checkpoint-000000010.safetensors", "checkpoint-000000030.safetensors",
                                      "checkpoint-000000999.safetensors", "latest.json"])
    }

    @Test func movesAFileInTheWayAsideInsteadOfOverwritingIt() throws {
        var branch = try branch(keep: 3)
        let foreign = branch.directory.path + "/checkpoint-000000010.safetensors"
        try Data("not mine".utf8).write(to: URL(fileURLWithPath: foreign))
        _ = try branch.save(sampleCheckpoint(step: 10), logger: logger)
        #expect(try Data(contentsOf: URL(fileURLWithPath: foreign + ".displaced")) == Data("not mine".utf8))
    }

    @Test func abandoningMovesNewerFilesAsideWithACopyOfTheMetrics() throws {
        var branch = try branch(keep: 5)
        for step in [10, 20, 30] { _ = try branch.save(sampleCheckpoint(step: step), logger: logger) }
        try Data("{\"step\":10}\n".utf8).write(to: URL(fileURLWithPath: branch.directory.path + "/metrics.jsonl"))
        let moved = try branch.abandon(["checkpoint-000000020.safetensors", "checkpoint-000000030.safetensors"], after: 10)
        #expect(moved == "abandoned-10-1")
        let aside = branch.directory.path + "/abandoned-10-1"
        #expect(try FileManager.default.contentsOfDirectory(atPath: aside).sorted()
            == ["checkpoint-000000020.safetensors", "checkpoint-000000030.safetensors", "latest.json", "metrics.jsonl"])
        #expect(branch.pointer.checkpoints.map(\.step) == [10])
        #expect(try branch.abandon([], after: 10) == nil)
    }
}

@Suite struct RunPointerTests {
    @Test func roundTripsThroughItsJSON() throws {
        var pointer = RunPointer.fresh()
        pointer.add(CheckpointRecord(fileName: "checkpoint-000000008.safetensors", step: 8, byteCount: 100, crc32: 0xDEAD_BEEF))
        pointer.add(CheckpointRecord(fileName: "checkpoint-000000016.safetensors", step: 16, byteCount: 101, crc32: 7))
        pointer.lineage = [RunPointer.Resumption(from: "/a \"b\"/checkpoint-000000008.safetensors", step: 8, at: "now", abandoned: "abandoned-8-1")]
        #expect(try RunPointer.decode(pointer.encoded()) == pointer)
        #expect(pointer.runID.count == 16 && RunPointer.fresh().runID != pointer.runID)
    }

    @Test(arguments: [
        #"{"format":"vae-dist-run","version":1,"run_id":"x","latest":"../../etc/passwd","checkpoints":[{"file":"../../etc/passwd","step":1,"bytes":1,"crc32":"00000000"}],"lineage":[]}"#,
        #"{"format":"vae-dist-run","version":1,"run_id":"x","latest":null,"checkpoints":[{"file":"checkpoint-000000001.safetensors","step":1,"bytes":1,"crc32":"00000000"}],"lineage":[]}"#,
        #"{"format":"vae-dist-run","version":2,"run_id":"x","latest":null,"checkpoints":[],"lineage":[]}"#,
        #"{"format":"vae-dist-run","version":1,"run_id":"x","latest":null,"checkpoints":[]"#,
    ])
    func refusesDamagedOrHostilePointers(text: String) {
        #expect(throws: RunPointer.Damage.self) { try RunPointer.decode(Array(text.utf8)) }
    }
}
