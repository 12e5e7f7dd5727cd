import AIArtsEngine
import AIArtsRender
@testable import AIArtsTUI
import Foundation
import Synchronization
import Testing
import TestSupport

/// The Slurm cluster in the GPU pane (compact) and on the GPU screen (tables), and its background
/// reading: a failed read shows its reason over the last view read, never a blank or frozen pane.
@Suite struct ClusterPaneTests {
    static let status = ClusterStatus(
        time: Date(timeIntervalSince1970: 1_800_000_000),
        partitions: [ClusterPartition(name: "gpu", state: "UP", isDefault: false, nodeCount: 2, cpuCount: 128, timeLimit: "1-00:00:00", nodeList: "gpu[01-02]"),
                     ClusterPartition(name: "debug", state: "UP", isDefault: true, nodeCount: 1, cpuCount: 8, timeLimit: "30:00", nodeList: "old03")],
        nodes: [ClusterNode(name: "gpu01", state: "mixed", partitions: ["gpu"], cpusAllocated: 24, cpusTotal: 64, memoryAllocatedMB: 196_608,
                            memoryTotalMB: 515_000, gpusAllocated: 3, gpusTotal: 4, gpuTypes: ["a100"], load: 23.4),
                ClusterNode(name: "gpu02", state: "mixed", flags: ["drain"], reason: "ECC errors [admin@2026-12-05T09:12:44]", partitions: ["gpu"],
                            cpusAllocated: 8, cpusTotal: 64, memoryTotalMB: 515_000, gpusAllocated: 1, gpusTotal: 4, gpuTypes: ["a100"]),
                ClusterNode(name: "old03", state: "down", flags: ["not_responding"], reason: "Not responding", partitions: ["debug"], cpusTotal: 8)],
        jobs: [ClusterJob(id: "101", name: "aiarts-T0003", user: "alice", state: "RUNNING", partition: "gpu", nodeList: "gpu01",
                          nodeNames: ["gpu01"], nodeCount: 1, gpus: 2, reason: nil, elapsed: "3:12:09", task: "T0003"),
               ClusterJob(id: "102", name: "bert-large", user: "bob", state: "RUNNING", partition: "gpu", nodeList: "gpu[01-02]",
                          nodeNames: ["gpu01", "gpu02"], nodeCount: 2, gpus: 2, reason: nil, elapsed: "1-02:00:00"),
               ClusterJob(id: "103", name: "aiarts-T0004", user: "alice", state: "PENDING", partition: "gpu", nodeList: "",
                          nodeNames: [], nodeCount: 1, gpus: 4, reason: "Priority", elapsed: "0:00", task: "T0004")])

    static func state(cluster: ClusterPaneData?, devices: Bool = false) -> HomeState {
        var state = sampleState()
        state.gpus = devices
            ? GPUPaneData(devices: [.init(index: 0, name: "A", memoryUsed: 0, memoryTotal: 1 << 34, utilization: 5, utilizationHistory: [],
                                          temperature: 40, power: nil, powerLimit: nil, processes: [])])
            : GPUPaneData(devices: [], reason: "no NVIDIA driver", cpuPercent: 10, memoryUsed: 1 << 30, memoryTotal: 1 << 34)
        state.gpus?.cluster = cluster
        return state
    }

    @Test func theHomePaneShowsNodesStatesGPUsAndWhichTasksRunWhere() {
        let lines = HomeView.render(Self.state(cluster: ClusterPaneData(status: Self.status)), size: Size(width: 160, height: 50)).lines()
        let text = lines.joined(separator: "\n")
        #expect(text.contains("no NVIDIA driver"))  // this machine stays on top
        #expect(text.contains("Slurm gpu UP, debug* UP · 3 nodes · GPUs 4/8 · 3 jobs"))
        let gpu01 = lines.first { $0.contains("gpu01 ") }
        #expect(gpu01?.contains("mixed") == true && gpu01?.contains("cpu 24/64  gpu 3/4 a100  T0003 102:bob") == true)
        let gpu02 = lines.first { $0.contains("gpu02 ") }
        #expect(gpu02?.contains("mixed+drain") == true && gpu02?.contains("102:bob ECC errors") == true, "\(lines.joined(separator: "\n"))")
        let old03 = lines.first { $0.contains("old03 ") }
        #expect(old03?.contains("down+not_responding") == true && old03?.contains("Not responding") == true, "\(old03 ?? "")")
        #expect(text.contains("T0004 pending (priority)"))
    }

    @Test func aFailedReadShowsItsReasonOverTheLastView() {
        let data = ClusterPaneData(status: Self.status, error: "cluster: slurmctld does not answer: squeue took more than 5 s\u{1B}]0;x\u{07}")
        let text = HomeView.render(Self.state(cluster: data), size: Size(width: 160, height: 50)).lines().joined(separator: "\n")
        #expect(text.contains("cluster: slurmctld does not answer: squeue took more than 5 s"))
        #expect(!text.contains("\u{1B}") && !text.contains("\u{07}"))
        #expect(text.contains("gpu01 "))
        // Before any read worked: the reason alone.
        let first = HomeView.render(Self.state(cluster: ClusterPaneData(status: nil, error: "cluster: squeue not found: install slurm-client")),
                                    size: Size(width: 160, height: 50)).lines().joined(separator: "\n")
        #expect(first.contains("cluster: squeue not found: install slurm-client") && !first.contains("Slurm "))
    }

    @Test func withoutASlurmExecutorThePaneIsAsBefore() {
        let text = HomeView.render(Self.state(cluster: nil), size: Size(width: 160, height: 50)).lines().joined(separator: "\n")
        #expect(!text.contains("Slurm") && !text.contains("cluster"))
    }

    @Test func theGPUScreenHasNodeAndJobTables() {
        var state = Self.state(cluster: ClusterPaneData(status: Self.status), devices: true)
        state.gpuScreen = GPUScreenState()
        let lines = HomeView.render(state, size: Size(width: 160, height: 40)).lines()
        let text = lines.joined(separator: "\n")
        #expect(text.contains("0 A "))  // the local GPU on top
        let nodeHeader = lines.firstIndex { $0.contains("NODE") && $0.contains("GPUS") && $0.contains("RUNNING / REASON") }
        #expect(nodeHeader != nil)
        if let h = nodeHeader {
            #expect(lines[h + 1].contains("gpu01") && lines[h + 1].contains("24/64") && lines[h + 1].contains("3/4 a100") && lines[h + 1].contains("T0003 102:bob"))
            #expect(lines[h + 2].contains("mixed+drain") && lines[h + 2].contains("102:bob · ECC errors"))
        }
        let jobHeader = lines.firstIndex { $0.contains("JOB") && $0.contains("TASK") && $0.contains("STATE") }
        #expect(jobHeader != nil)
        if let h = jobHeader {
            #expect(lines[h + 1].contains("101") && lines[h + 1].contains("T0003") && lines[h + 1].contains("aiarts-T0003"))
            #expect(lines[h + 3].contains("PENDING (Priority)"))
        }
    }

    @Test func withoutAnExecutorPollingPostsOnceAndThenStaysQuiet() async throws {
        let reads = Mutex(0)
        let posts = Mutex(0)
        let stop = ClusterPaneData.poll(every: 0.02, read: { reads.withLock { $0 += 1 }; return nil }, post: { _ in posts.withLock { $0 += 1 } })
        #expect(waitUntil(timeout: 5) { reads.withLock { $0 } >= 5 })
        stop()
        #expect(posts.withLock { $0 } == 1)
    }

    @Test func pollingPostsChangesKeepsTheLastViewOnFailureAndStops() async throws {
        let reads = Mutex(0)
        let posts = Mutex<[ClusterPaneData?]>([])
        let stop = ClusterPaneData.poll(every: 0.05, read: {
            let n = reads.withLock { $0 += 1; return $0 }
            return n == 1 ? ClusterPaneData(status: Self.status) : ClusterPaneData(status: nil, error: "cluster: slurmctld does not answer")
        }, post: { data in posts.withLock { $0.append(data) } })
        #expect(waitUntil(timeout: 5) { posts.withLock { $0.count } >= 2 })
        stop()
        let seen = posts.withLock { $0 }
        #expect(seen[0] == ClusterPaneData(status: Self.status))
        #expect(seen[1]?.status == Self.status && seen[1]?.error == "cluster: slurmctld does not answer")
        // The same failure again is not posted again.
        try await Task.sleep(for: .milliseconds(300))
        #expect(posts.withLock { $0.count } == 2)
        let after = reads.withLock { $0 }
        try await Task.sleep(for: .milliseconds(300))
        #expect(reads.withLock { $0 } <= after + 1)  // stopped
    }
}
