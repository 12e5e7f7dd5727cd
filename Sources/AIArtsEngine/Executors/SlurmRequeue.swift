import Foundation
import GRDB

extension Workspace {
    /// Run by the batch script of a requeued or preempted job (`SLURM_RESTART_COUNT` > 0, through
    /// `aiarts executor requeued T`) before it starts the trainer: points `slurm-run.sh` at the task's
    /// last checkpoint the way `resumeTask` does (the same launch plan with `resume_from`, and a
    /// `resume` line in metrics.jsonl so the curves continue from that epoch). With no checkpoint yet
    /// the run starts over. Returns the line the batch script prints into train.log.
    @discardableResult
    public func prepareSlurmRequeue(_ id: String, restart: Int? = nil) throws -> String {
        let record = try task(id)
        guard let info = try slurmInfo(id), info.jobId != nil, let executorName = info.executor else {
            throw AIArtsError(.conflict, "\(id) is not a task on a Slurm executor")
        }
        let folder = taskFolder(id)
        let restartText = restart.map { " (restart \($0))" } ?? ""
        guard let checkpoint = try? taskCheckpoint(id, preferBest: false), let epoch = checkpoint.epoch else {
            try store.pool.write { db in
                try db.execute(sql: "UPDATE task SET slurmRestarts = COALESCE(?, slurmRestarts + 1) WHERE id = ?", arguments: [restart, id])
            }
            return "aiarts: \(id) was requeued\(restartText) before it saved a checkpoint: it starts over"
        }
        var params = TaskParams.decode(record.params)
        params["resume_from"] = checkpoint.url.path
        params["resume_epoch"] = String(epoch)
        var updated = record
        updated.params = try TaskParams.encode(params)
        let datasetID = params["dataset_id"].flatMap { $0.isEmpty ? nil : $0 } ?? (try? project(record.projectId).datasetId) ?? nil
        let dataset = try datasetID.flatMap { id in try store.pool.read { db in try DatasetRecord.fetchOne(db, key: id) } }
        let resources = try SlurmResources(params: params)
        let plan = try slurmLaunchPlan(record: updated, params: params, dataset: dataset, folder: folder,
                                       gpus: resources.gpus, resumeFrom: checkpoint.url.path)
        try Self.writeScript(try SlurmBatchScript.run(plan: plan, taskID: id, nodes: resources.nodes, gpusPerNode: resources.gpus),
                             to: folder.appendingPathComponent(SlurmBatchScript.runFileName))
        let shown = checkpoint.url.path.hasPrefix(folder.path + "/") ? String(checkpoint.url.path.dropFirst(folder.path.count + 1)) : checkpoint.url.path
        var marker = JSONWriter()
        marker.beginObject()
        marker.key("type"); marker.string("resume")
        marker.key("epoch"); marker.number(Double(epoch))
        marker.key("from"); marker.string(shown)
        marker.key("reason"); marker.string("slurm requeue")
        marker.key("time"); marker.number(Date().timeIntervalSince1970)
        marker.endObject()
        try Self.appendLine(marker.string, to: folder.appendingPathComponent("metrics.jsonl"))
        try store.pool.write { db in
            try db.execute(sql: "UPDATE task SET params = ?, statusMessage = ?, slurmRestarts = COALESCE(?, slurmRestarts + 1) WHERE id = ?",
                           arguments: [updated.params, "resumed from epoch \(epoch) after Slurm requeued it\(restartText) on \(executorName)", restart, id])
        }
        return "aiarts: \(id) resumes from \(shown) (epoch \(epoch)) after a Slurm requeue\(restartText)"
    }
}
