import Foundation
import GRDB
import Testing
@testable import AIArtsEngine

/// `Workspace.clusterStatus(executor:)` against fake Slurm programs (given to the workspace with
/// `SlurmCommands.setOverride`) that print captured-shape output: the executor's partition filters,
/// the workspace's tasks are found by the job id they record, a dead controller is one line.
@Suite struct ClusterWorkspaceTests {
    final class Sandbox {
        let folder = TempFolder("aiarts-cluster")
        let ws: Workspace
        var bin: URL { folder.path("bin") }

        init(scontrolDelay: Int = 0) throws {
            ws = try Workspace(root: folder.path("ws"), gpuProbe: .none)
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
            try Data(ClusterFixtures.gpuNodes.utf8).write(to: bin.appendingPathComponent("nodes.out"))
            try Data(ClusterFixtures.gpuPartitions.utf8).write(to: bin.appendingPathComponent("partitions.out"))
            try Data(ClusterFixtures.gpuJobs.utf8).write(to: bin.appendingPathComponent("jobs.out"))
            let scripts = [
                // A slow controller: the program itself hangs (exec), as a real scontrol would.
                "scontrol": #"d=$(dirname "$0"); [ \#(scontrolDelay) -gt 0 ] && exec sleep \#(scontrolDelay); echo "$@" >> "$d/calls.log"; if [ "$1" = "-d" ]; then cat "$d/nodes.out"; else cat "$d/partitions.out"; fi"#,
                "squeue": #"d=$(dirname "$0"); echo "squeue $@" >> "$d/calls.log"; cat "$d/jobs.out""#,
            ]
            for (name, body) in scripts {
                let url = bin.appendingPathComponent(name)
                try Data(("#!/bin/sh\n" + body + "\n").utf8).write(to: url)
                chmod(url.path, 0o755)
            }
            SlurmCommands.setOverride(SlurmCommands(binFolder: bin.path), for: ws.root)
        }

        deinit { SlurmCommands.setOverride(nil, for: ws.root) }

        /// A task of this workspace recorded as submitted as Slurm job `job`.
        func task(submittedAs job: String) throws -> String {
            let project = try ws.projects().first ?? ws.createProject(name: "p", type: .classification)
            let task = try ws.createTask(projectID: project.id, trainer: .command, params: ["command": "true"])
            try ws.store.pool.write { db in
                try db.execute(sql: "UPDATE task SET executor = 'lab', slurmJobId = ? WHERE id = ?", arguments: [job, task.id])
            }
            return task.id
        }
    }

    @Test func theWholeClusterWithTheWorkspacesTasksByJobId() throws {
        let s = try Sandbox()
        #expect(try !s.ws.hasSlurmExecutor())
        let t1 = try s.task(submittedAs: "101"), t2 = try s.task(submittedAs: "103")
        let status = try s.ws.clusterStatus(executor: nil)
        #expect(status.executor == nil && status.partition == nil)
        #expect(status.nodes.map(\.name) == ["gpu01", "gpu02", "old03"])
        // Job 104 is named aiarts-T0003 too, but no task of this workspace was submitted as it.
        #expect(status.jobs.map(\.task) == [t1, nil, t2, nil])
        let calls = (try? String(contentsOf: s.bin.appendingPathComponent("calls.log"), encoding: .utf8)) ?? ""
        #expect(calls.split(separator: "\n").count == 3)  // three calls, whatever the size
    }

    @Test func anExecutorLimitsTheViewToItsPartition() throws {
        let s = try Sandbox()
        try s.ws.addExecutor(ExecutorRecord(name: "lab", partition: "debug"))
        try s.ws.addExecutor(ExecutorRecord(name: "all"))
        #expect(try s.ws.hasSlurmExecutor())
        let debug = try s.ws.clusterStatus(executor: "lab")
        #expect(debug.executor == "lab" && debug.partition == "debug")
        #expect(debug.nodes.map(\.name) == ["gpu01", "old03"])
        #expect(try s.ws.clusterStatus(executor: "all").nodes.count == 3)
        #expect(#expect(throws: AIArtsError.self) { try s.ws.clusterStatus(executor: "nope") }?.kind == .notFound)
        try s.ws.addExecutor(ExecutorRecord(name: "gone", partition: "retired"))
        let missing = #expect(throws: AIArtsError.self) { try s.ws.clusterStatus(executor: "gone") }
        #expect(missing?.message.contains("partition retired is not in the cluster") == true)
    }

    @Test func aControllerThatDoesNotAnswerIsOneLineInTime() throws {
        let s = try Sandbox(scontrolDelay: 5)
        let started = Date()
        let error = #expect(throws: AIArtsError.self) { try s.ws.clusterStatus(executor: nil, timeout: 0.5) }
        #expect(Date().timeIntervalSince(started) < 4)
        #expect(error?.message.hasPrefix("slurmctld does not answer") == true)
        #expect(error?.message.contains("\n") == false)
    }
}
