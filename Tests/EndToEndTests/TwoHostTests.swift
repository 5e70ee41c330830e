import Foundation
import Testing
import TestSupport
@testable import Training

extension ProcessTests {
    /// One rank on each of two "hosts" (network namespaces joined by a veth
    /// pair), talking MPI over TCP, as on a cluster: the result must be the
    /// 2-rank result of one host.
    @Suite struct TwoHostTests {
        static let script = SlurmCluster.repository.appendingPathComponent("Tests/cluster/netns.sh").path
        static let agent = SlurmCluster.repository.appendingPathComponent("Tests/cluster/netns-agent.sh").path

        @Test func twoHostsOverTCPTrainLikeTwoRanksOnOneHost() throws {
            let tag = String(ProcessInfo.processInfo.processIdentifier % 100_000)
            let up = Command.execute("/bin/bash", [Self.script, "up", tag], timeout: 30)
            defer { _ = Command.execute("/bin/bash", [Self.script, "down", tag], timeout: 30) }
            try #require(up.status == 0, "network namespaces could not be created (needs root and iproute2): \(up.combined)")
            let mapping = try #require(up.output.split(separator: "\n").first { $0.hasPrefix("HOSTS_NAMESPACES=") })

            let data = try SyntheticDataset()
            let twoHosts = try SmallRun(data: data), oneHost = try SmallRun(data: data)
            let arguments = ["--max-steps", "20", "--epochs", "5"]
            let launcher = ["netns", "exec", "vae-\(tag)-a", "/usr/bin/mpirun", "--host", "10.231.0.1,10.231.0.2", "-np", "2",
                            "--timeout", "120", "--mca", "plm_rsh_agent", Self.agent, "--mca", "btl", "tcp,self",
                            "--mca", "btl_tcp_if_include", "10.231.0.0/24", "--mca", "oob_tcp_if_include", "10.231.0.0/24",
                            Command.binary]
            let remote = Command.execute("/usr/sbin/ip", launcher + twoHosts.arguments(arguments), timeout: 150,
                                         environment: ["HOSTS_NAMESPACES": String(mapping.dropFirst("HOSTS_NAMESPACES=".count))])
            expectSuccess(remote)
            expectSuccess(oneHost.train(ranks: 2, arguments))

            let a = try twoHosts.checkpoint(step: 20), b = try oneHost.checkpoint(step: 20)
            #expect(a.worldSize == 2)
            let difference = relativeDifference(b.parameters.array, a.parameters.array)
            #expect(difference <= 1e-4, "two hosts differ from one host by \(difference)")
            // With two ranks every sum has two terms, and a + b == b + a: the bits agree too.
            #expect(a.parameters.array.map(\.bitPattern) == b.parameters.array.map(\.bitPattern))
        }
    }
}
