import Foundation

extension ClusterStatus {
    /// Runs one Slurm command and returns its standard output, or throws a one-line reason (not
    /// found, timed out, slurmctld not answering): `SlurmCommands.run`, or a test's fake.
    public typealias Run = (_ program: SlurmCommands.Program, _ arguments: [String]) throws -> String

    /// The fixed calls a view is built from, whatever the cluster's size: partitions, nodes (with -d
    /// for GresUsed), and every job in one `squeue`.
    public static let partitionCall: (SlurmCommands.Program, [String]) = (.scontrol, ["show", "partition", "-o"])
    public static let nodeCall: (SlurmCommands.Program, [String]) = (.scontrol, ["-d", "show", "node", "-o"])
    public static let jobCall: (SlurmCommands.Program, [String]) = (.squeue, ["-h", "-o", ClusterParse.squeueFormat])

    /// Reads the cluster through `run` (three calls) and builds the view.
    public static func read(partition: String? = nil, executor: String? = nil, taskForJob: [String: String] = [:],
                            time: Date = Date(), run: Run) throws -> ClusterStatus {
        let partitions = try run(partitionCall.0, partitionCall.1)
        let nodes = try run(nodeCall.0, nodeCall.1)
        let jobs = try run(jobCall.0, jobCall.1)
        return try build(partitionsText: partitions, nodesText: nodes, jobsText: jobs, partition: partition,
                         executor: executor, taskForJob: taskForJob, time: time)
    }

    /// The view from the three outputs: limited to `partition` when given (its nodes, and the jobs
    /// submitted to it), each job given the task of `taskForJob` (Slurm job id → aiarts task id) it
    /// belongs to. Throws when the partition is not in the cluster.
    public static func build(partitionsText: String, nodesText: String, jobsText: String, partition: String? = nil,
                             executor: String? = nil, taskForJob: [String: String] = [:], time: Date = Date()) throws -> ClusterStatus {
        let p = ClusterParse.partitions(partitionsText), n = ClusterParse.nodes(nodesText), j = ClusterParse.jobs(jobsText)
        var partitions = p.partitions, nodes = n.nodes, jobs = j.jobs
        for i in jobs.indices { jobs[i].task = taskForJob[jobs[i].id] }
        if let partition {
            guard partitions.contains(where: { $0.name == partition }) else {
                let known = partitions.map(\.name).joined(separator: ", ")
                throw AIArtsError(.notFound, "partition \(partition) is not in the cluster (it has: \(known.isEmpty ? "none" : known)); change the executor's --partition")
            }
            partitions = partitions.filter { $0.name == partition }
            nodes = nodes.filter { $0.partitions.contains(partition) }
            // A pending job may name several partitions ("gpu,debug").
            jobs = jobs.filter { $0.partition.split(separator: ",").contains { $0 == partition } }
        }
        return ClusterStatus(time: time, executor: executor, partition: partition, partitions: partitions, nodes: nodes,
                             jobs: jobs, skippedLines: p.skipped + n.skipped + j.skipped)
    }
}
