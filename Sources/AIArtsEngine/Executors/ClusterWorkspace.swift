import Foundation
import GRDB

extension Workspace {
    /// The Slurm cluster as seen from this workspace: limited to the executor's partition when one
    /// is named (nil: the whole cluster), each job given the task of this workspace that was
    /// submitted as it (by the job id the task records, never by name alone: several workspaces may
    /// share a cluster). Three Slurm calls, each with `timeout` seconds; throws their one-line error.
    /// The programs are the workspace's (`SlurmCommands.override` in tests, else $AIARTS_SLURM_BIN or PATH).
    public func clusterStatus(executor name: String?, timeout: TimeInterval = 10) throws -> ClusterStatus {
        let record = try name.map { try executor(named: $0) }
        let slurm = self.slurm
        let taskForJob = try clusterTaskJobs()
        return try ClusterStatus.read(partition: record?.partition, executor: record?.name, taskForJob: taskForJob) { program, arguments in
            try slurm.run(program, arguments, timeout: timeout)
        }
    }

    /// Whether any executor is a Slurm one (the UI shows the cluster then).
    public func hasSlurmExecutor() throws -> Bool {
        try executors().contains { $0.kind == ExecutorKind.slurm.rawValue }
    }

    /// Slurm job id → task id, for every task of this workspace that was submitted to Slurm.
    func clusterTaskJobs() throws -> [String: String] {
        try store.pool.read { db in
            var out: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, slurmJobId FROM task WHERE slurmJobId IS NOT NULL ORDER BY id") {
                if let job: String = row["slurmJobId"], let id: String = row["id"] { out[job] = id }
            }
            return out
        }
    }
}
