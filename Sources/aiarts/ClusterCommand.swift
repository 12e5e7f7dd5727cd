import AIArtsEngine
import AIArtsRender
import AIArtsTUI
import ArgumentParser
import Foundation

struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "The Slurm cluster: partitions, nodes (state, CPUs, memory, GPUs allocated/total) and jobs, with the aiarts tasks they run.",
        discussion: """
            Reads `scontrol show partition`, `scontrol -d show node` and one `squeue`. With EXECUTOR, only \
            that executor's partition is shown. A job is this workspace's task when the task was \
            submitted as that job id (docs/slurm.md, "Cluster view").
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "An executor (`aiarts executor list`): show its partition only.") var executor: String?
    @Flag(help: "Print the cluster as JSON.") var json = false

    func run() throws {
        let status = try Self.status(global, executor: executor)
        if json { return try Output.json(status) }
        for line in ClusterReport(status: status).lines { print(line) }
    }

    /// The cluster, through the workspace when there is one (its tasks are then named); without one,
    /// the cluster alone. Looking at the cluster never creates a workspace.
    static func status(_ global: GlobalOptions, executor: String?) throws -> ClusterStatus {
        if let root = try? global.root(), FileManager.default.fileExists(atPath: root.appendingPathComponent("aiarts.sqlite").path) {
            return try global.open().clusterStatus(executor: executor)
        }
        if let executor {
            throw AIArtsError(.notFound, "no workspace here, so no executor named \(executor): give --workspace DIR, or leave the executor out to see the whole cluster")
        }
        let slurm = SlurmCommands()
        return try ClusterStatus.read { program, arguments in try slurm.run(program, arguments, timeout: 10) }
    }
}
