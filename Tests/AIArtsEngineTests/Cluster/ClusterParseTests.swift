import Foundation
import Testing
@testable import AIArtsEngine

@Suite struct ClusterParseTests {
    @Test func realIdleNodeIsReadWhole() throws {
        let (nodes, skipped) = ClusterParse.nodes(ClusterFixtures.realIdleNode)
        #expect(skipped == 0)
        let node = try #require(nodes.first)
        #expect(nodes.count == 1)
        #expect(node.name == "vm" && node.address == "vm" && node.hostname == "vm")
        #expect(node.state == "idle" && node.flags.isEmpty && node.reason == nil && node.acceptsJobs)
        #expect(node.partitions == ["debug"])
        #expect(node.cpusAllocated == 0 && node.cpusTotal == 2)
        #expect(node.memoryAllocatedMB == 0 && node.memoryTotalMB == 24105 && node.memoryFreeMB == 18467)
        #expect(node.gpusAllocated == 0 && node.gpusTotal == 2 && node.gpuTypes.isEmpty)
        #expect(node.load == 1.75)
        // The OS field holds spaces (uname's version) and is read whole.
        #expect(node.operatingSystem == "Linux 6.18.44-fc-v1300 #1 SMP PREEMPT_DYNAMIC @0")
        #expect(node.slurmVersion == "22.05.8" && node.architecture == "x86_64")
        #expect(node.bootTime == "2026-12-06T01:54:14")
    }

    @Test func gpusInUseComeFromGresUsed() throws {
        // CfgTRES/AllocTRES name no GPU on this cluster (no AccountingStorageTRES): GresUsed does.
        let node = try #require(ClusterParse.nodes(ClusterFixtures.realMixedNode).nodes.first)
        #expect(node.state == "mixed" && node.cpusAllocated == 1 && node.memoryAllocatedMB == 100)
        #expect(node.gpusAllocated == 1 && node.gpusTotal == 2)
    }

    @Test func typedGresDrainedAndDownNodes() throws {
        let (nodes, skipped) = ClusterParse.nodes(ClusterFixtures.gpuNodes)
        #expect(nodes.map(\.name) == ["gpu01", "gpu02", "old03"])
        #expect(skipped == 1)  // the error line
        let gpu01 = nodes[0], gpu02 = nodes[1], old03 = nodes[2]
        #expect(gpu01.gpusTotal == 4 && gpu01.gpusAllocated == 3 && gpu01.gpuTypes == ["a100"])
        #expect(gpu01.partitions == ["gpu", "debug"] && gpu01.address == "10.0.0.11")
        #expect(gpu01.operatingSystem == "Linux 5.15.0-91-generic #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023")
        #expect(gpu01.acceptsJobs)

        #expect(gpu02.state == "mixed" && gpu02.flags == ["drain"] && gpu02.stateText == "mixed+drain" && !gpu02.acceptsJobs)
        // The OSC sequence and BEL are gone; the `=` inside the reason does not start a field.
        #expect(gpu02.reason == "ECC errors on GPU 2 state=bad [admin@2026-12-05T09:12:44]")
        #expect(gpu02.gpusAllocated == 1)

        #expect(old03.state == "down" && old03.flags == ["not_responding"] && !old03.acceptsJobs)
        #expect(old03.reason == "Not responding [slurm@2026-12-01T00:05:00]")
        #expect(old03.gpusTotal == 2 && old03.gpuTypes.isEmpty)  // "gpu:2(S:0)"
        #expect(old03.load == nil && old03.memoryFreeMB == nil && old03.bootTime == nil)  // N/A, None
    }

    @Test func oddBytesAndEscapesNeverReachTheView() throws {
        var bytes = Array("NodeName=n\u{1B}[31m1 State=IDLE Partitions=p Reason=bad ".utf8)
        bytes += [0xFF, 0xFE, 0x9B, 0x07, 0x08]
        bytes += Array(" disk\u{9B}2J end".utf8)
        let node = try #require(ClusterParse.nodes(String(decoding: bytes, as: UTF8.self)).nodes.first)
        #expect(node.name == "n1")
        let reason = try #require(node.reason)
        #expect(reason.hasPrefix("bad ") && reason.hasSuffix(" end"))
        #expect(!reason.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
    }

    @Test func gresForms() {
        #expect(ClusterParse.gpus(inGres: "gpu:2(S:0)") == (2, []))
        #expect(ClusterParse.gpus(inGres: "gpu:a100:4") == (4, ["a100"]))
        #expect(ClusterParse.gpus(inGres: "gpu:a100:2(S:0-1),gpu:v100:2,mps:100") == (4, ["a100", "v100"]))
        #expect(ClusterParse.gpus(inGres: "gpu:tesla:2(S:0,1)") == (2, ["tesla"]))
        #expect(ClusterParse.gpus(inGres: "gpu:a100:0(IDX:N/A)") == (0, ["a100"]))
        #expect(ClusterParse.gpus(inGres: "(null)") == (0, []))
        #expect(ClusterParse.gpus(inGres: "gpu:99999999999999999999").count == 0)  // not a number: nothing
    }

    @Test func nodeStatesAndSinfoSuffixes() {
        #expect(ClusterParse.nodeState("IDLE") == ("idle", []))
        #expect(ClusterParse.nodeState("DOWN+DRAIN+NOT_RESPONDING") == ("down", ["drain", "not_responding"]))
        #expect(ClusterParse.nodeState("down*") == ("down", ["not_responding"]))
        #expect(ClusterParse.nodeState("idle~") == ("idle", ["powered_down"]))
        #expect(ClusterParse.nodeState("drained") == ("idle", ["drain"]))
        #expect(ClusterParse.nodeState("") == ("unknown", []))
    }

    @Test func partitions() throws {
        let real = ClusterParse.partitions(ClusterFixtures.realPartition)
        #expect(real.skipped == 0)
        #expect(real.partitions == [ClusterPartition(name: "debug", state: "UP", isDefault: true, nodeCount: 1, cpuCount: 2,
                                                     timeLimit: "UNLIMITED", nodeList: "vm")])
        let two = ClusterParse.partitions(ClusterFixtures.gpuPartitions).partitions
        #expect(two.map(\.name) == ["gpu", "debug"])
        #expect(two[0].timeLimit == "1-00:00:00" && !two[0].isDefault && two[0].nodeList == "gpu[01-02]" && two[0].nodeCount == 2)
        #expect(two[1].timeLimit == "30:00" && two[1].isDefault)
    }

    @Test func realJobsWithTheSeparatorInAName() throws {
        let (jobs, skipped) = ClusterParse.jobs(ClusterFixtures.realJobs)
        #expect(skipped == 0 && jobs.count == 2)
        #expect(jobs[0].id == "5" && jobs[0].cpus == 2 && jobs[0].memory == nil && jobs[0].state == "PENDING" && jobs[0].reason == "Resources" && jobs[0].nodeNames.isEmpty && jobs[0].gpus == 2)
        #expect(jobs[1].name == "aiarts-T9999 x|y" && jobs[1].reason == nil && jobs[1].nodeNames == ["vm"] && jobs[1].gpus == 1)
        #expect(jobs[1].user == "root" && jobs[1].elapsed == "0:00" && jobs[1].partition == "debug")
        #expect(jobs[1].cpus == 1 && jobs[1].memory == "100M")
    }

    @Test func jobGPUsCountEveryNode() {
        let (jobs, skipped) = ClusterParse.jobs(ClusterFixtures.gpuJobs)
        #expect(skipped == 1)
        #expect(jobs.map(\.id) == ["101", "102", "103", "104"])
        #expect(jobs[1].gpus == 2 && jobs[1].nodeNames == ["gpu01", "gpu02"])  // 1 per node on 2 nodes
        #expect(jobs[2].gpus == 4 && jobs[2].partition == "gpu,debug")
        #expect(jobs[3].gpus == 0)
    }

    @Test func hostlists() {
        #expect(ClusterParse.expandHostlist("node[1-3,5],gpu[01-02],login") == ["node1", "node2", "node3", "node5", "gpu01", "gpu02", "login"])
        #expect(ClusterParse.expandHostlist("r[1-2]-n[08-10]") == ["r1-n08", "r1-n09", "r1-n10", "r2-n08", "r2-n09", "r2-n10"])
        #expect(ClusterParse.expandHostlist("n[0-99999999]", limit: 5) == ["n0", "n1", "n2", "n3", "n4"])
        #expect(ClusterParse.expandHostlist("n[a-b]") == ["n[a-b]"])
        #expect(ClusterParse.expandHostlist("n[3-1]") == ["n[3-1]"])
        #expect(ClusterParse.expandHostlist("") == [])
    }

    @Test func fieldsKeepEqualsInValuesAndRejectGarbage() {
        let f = ClusterParse.fields("CfgTRES=cpu=2,mem=1M AllocTRES= Reason=a b=c Owner=N/A")
        #expect(f?["CfgTRES"] == "cpu=2,mem=1M" && f?["AllocTRES"] == "")
        #expect(f?["Reason"] == "a b=c" && f?["Owner"] == "N/A")
        #expect(ClusterParse.fields("no fields here") == nil)
        #expect(ClusterParse.fields("") == nil)
    }
}

@Suite struct ClusterBuildTests {
    func status(partition: String? = nil, tasks: [String: String] = ["101": "T0003", "103": "T0004"]) throws -> ClusterStatus {
        try ClusterStatus.build(partitionsText: ClusterFixtures.gpuPartitions, nodesText: ClusterFixtures.gpuNodes,
                                jobsText: ClusterFixtures.gpuJobs, partition: partition, executor: partition.map { _ in "lab" }, taskForJob: tasks)
    }

    @Test func jobsBelongToTasksByIdNotByName() throws {
        let s = try status()
        #expect(s.jobs.map(\.task) == ["T0003", nil, "T0004", nil])  // 104 is named aiarts-T0003 but is not ours
        #expect(s.jobs(on: "gpu01").map(\.id) == ["101", "102", "104"])
        #expect(s.jobs(on: "gpu02").map(\.id) == ["102"])
        #expect(s.gpusAllocated == 4 && s.gpusTotal == 10)
        #expect(s.skippedLines == 2)
    }

    @Test func anExecutorsPartitionFilters() throws {
        let s = try status(partition: "gpu")
        #expect(s.partition == "gpu" && s.executor == "lab")
        #expect(s.partitions.map(\.name) == ["gpu"])
        #expect(s.nodes.map(\.name) == ["gpu01", "gpu02"])
        #expect(s.jobs.map(\.id) == ["101", "102", "103"])  // 103 pends on gpu,debug
        let debug = try status(partition: "debug")
        #expect(debug.nodes.map(\.name) == ["gpu01", "old03"] && debug.jobs.map(\.id) == ["103", "104"])
    }

    @Test func anUnknownPartitionIsSaidWithTheKnownOnes() {
        #expect(throws: AIArtsError.self) { try status(partition: "nope") }
        do { _ = try status(partition: "nope") } catch { #expect("\(error)".contains("it has: gpu, debug")) }
    }

    @Test func readMakesThreeCallsAndPassesTheirErrorsOn() throws {
        var calls: [String] = []
        let s = try ClusterStatus.read { program, args in
            calls.append(([program.rawValue] + args).joined(separator: " "))
            switch args.first {
            case "show": return ClusterFixtures.realPartition
            case "-d": return ClusterFixtures.realIdleNode
            default: return ClusterFixtures.realJobs
            }
        }
        #expect(calls == ["scontrol show partition -o", "scontrol -d show node -o", "squeue -h -o \(ClusterParse.squeueFormat)"])
        #expect(s.nodes.count == 1 && s.jobs.count == 2 && s.partitions.count == 1)
        struct Down: Error {}
        #expect(throws: Down.self) { try ClusterStatus.read { _, _ in throw Down() } }
    }

    @Test func jsonUsesSnakeCase() throws {
        let data = try JSONEncoder().encode(try status())
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"gpus_total\":4") && text.contains("\"node_names\"") && text.contains("\"skipped_lines\":2"))
        // Absent values are null, not missing: a job of no task here, a node without a reason, the whole cluster.
        #expect(text.contains("\"task\":null") && text.contains("\"reason\":null") && text.contains("\"executor\":null"))
        #expect(try JSONDecoder().decode(ClusterStatus.self, from: data).nodes.count == 3)
    }
}
