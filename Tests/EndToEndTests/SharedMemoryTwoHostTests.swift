import Foundation
import Testing
import TestSupport
@testable import Training

extension ProcessTests {
    /// `--gradient-sync shared` across two "hosts" (the network namespaces of
    /// ``TwoHostTests``, each with its own hostname): the node sums in shared
    /// memory, the nodes over TCP.
    @Suite struct SharedMemoryTwoHostTests {
        /// Brings the two namespaces up for one test and launches jobs across them.
        struct Hosts {
            let tag = "s" + String(ProcessInfo.processInfo.processIdentifier % 100_000)
            let mapping: String

            init() throws {
                let up = Command.execute("/bin/bash", [TwoHostTests.script, "up", tag], timeout: 30)
                if up.status != 0 { _ = Command.execute("/bin/bash", [TwoHostTests.script, "down", tag], timeout: 30) }
                try #require(up.status == 0, "network namespaces could not be created (needs root and iproute2): \(up.combined)")
                let line = try #require(up.output.split(separator: "\n").first { $0.hasPrefix("HOSTS_NAMESPACES=") })
                mapping = String(line.dropFirst("HOSTS_NAMESPACES=".count))
            }

            func down() { _ = Command.execute("/bin/bash", [TwoHostTests.script, "down", tag], timeout: 30) }

            /// `mpirun` from the first host with `perHost` ranks on each.
            func mpirun(perHost: (Int, Int), _ arguments: [String]) -> CommandResult {
                let launcher = ["netns", "exec", "vae-\(tag)-a", "/usr/bin/mpirun",
                                "--host", "10.231.0.1:\(perHost.0),10.231.0.2:\(perHost.1)", "-np", String(perHost.0 + perHost.1),
                                "--timeout", "150", "--mca", "plm_rsh_agent", TwoHostTests.agent, "--mca", "btl", "tcp,self",
                                "--mca", "btl_tcp_if_include", "10.231.0.0/24", "--mca", "oob_tcp_if_include", "10.231.0.0/24",
                                Command.binary]
                return Command.execute("/usr/sbin/ip", launcher + arguments, timeout: 180, environment: ["HOSTS_NAMESPACES": mapping])
            }
        }

        /// 2 + 2 ranks: the two-level sum really crosses TCP, and trains what
        /// 4 ranks on one host train (to the data-parallel tolerance: the
        /// sums are grouped differently).
        @Test func twoRanksOnEachOfTwoHostsTrainLikeFourRanksOnOneHost() throws {
            let hosts = try Hosts()
            defer { hosts.down() }
            let check = hosts.mpirun(perHost: (2, 2), ["check-mpi"])
            expectSuccess(check)
            #expect(check.output.contains("split by node (2 rank(s) on this node): ok"), "\(check.combined)")
            #expect(check.output.contains("shared window, every segment read after a barrier: ok"), "\(check.combined)")

            let data = try SyntheticDataset()
            let twoHosts = try SmallRun(data: data), oneHost = try SmallRun(data: data)
            let arguments = ["--max-steps", "20", "--epochs", "5", "--gradient-sync", "shared"]
            let remote = hosts.mpirun(perHost: (2, 2), twoHosts.arguments(arguments))
            expectSuccess(remote)
            #expect(remote.combined.contains("--gradient-sync shared: 2 node(s) x 2 rank(s)"), "\(remote.combined)")
            let local = oneHost.train(ranks: 4, arguments)
            expectSuccess(local)
            #expect(local.combined.contains("--gradient-sync shared: 1 node(s) x 4 rank(s)"), "\(local.combined)")

            let a = try twoHosts.checkpoint(step: 20), b = try oneHost.checkpoint(step: 20)
            #expect(a.worldSize == 4)
            for (name, x, y) in [("parameters", b.parameters, a.parameters), ("exp_avg", b.firstMoment, a.firstMoment),
                                 ("exp_avg_sq", b.secondMoment, a.secondMoment)] {
                let difference = relativeDifference(x.array, y.array)
                #expect(difference <= 1e-4, "two hosts differ from one host in \(name) by \(difference)")
            }
        }

        /// 2 + 1 ranks: local rank 1 has no partner on the second host, so
        /// the job says so once and trains with the flat sharded strategy.
        @Test func unequalRanksPerHostFallBackToShardedWithANotice() throws {
            let hosts = try Hosts()
            defer { hosts.down() }
            let run = try SmallRun()
            // Batch 48: divisible by 3 ranks (256 samples, 5 steps per epoch).
            let result = hosts.mpirun(perHost: (2, 1), run.arguments(["--batch-size", "48", "--max-steps", "5",
                                                                      "--gradient-sync", "shared"]))
            expectSuccess(result)
            let notices = result.combined.components(separatedBy: "--gradient-sync shared: the nodes run unequal numbers of ranks (2 + 1)")
            #expect(notices.count == 2, "one notice, from rank 0:\n\(result.combined)")
            #expect(result.combined.contains("using sharded instead"))
            #expect(try run.metricsLines().last?["gradient_sync"] as? String == "sharded")
            #expect(try run.checkpoint(step: 5).worldSize == 3)
        }
    }
}
