import Foundation
import GRDB
import Testing
@testable import AIArtsEngine

/// An ended task's metrics are read once and their summary stored (TaskMetricSummaries.swift);
/// a running task's are read by offset through readers the workspace keeps.
@Suite struct TaskMetricSummaryTests {
    final class Sandbox {
        let folder = TempFolder("aiarts-summary")
        let ws: Workspace
        let task: TaskRecord

        init() throws {
            ws = try Workspace(root: folder.url)
            let project = try ws.createProject(name: "p", type: .classification)
            task = try ws.createTask(projectID: project.id, trainer: .command, params: ["command": "true"])
            try FileManager.default.createDirectory(at: ws.taskFolder(task.id), withIntermediateDirectories: true)
        }

        var metricsURL: URL { ws.taskFolder(task.id).appendingPathComponent("metrics.jsonl") }

        /// Lines as aiarts' own trainers write them (docs/metrics-protocol.md).
        static func lines(epochs: ClosedRange<Int>, stepsPerEpoch: Int = 10, epochsTotal: Int = 10) -> String {
            epochs.map { e in
                let step = e * stepsPerEpoch
                return #"{"type":"train","epoch":\#(e),"epochs":\#(epochsTotal),"step":\#(step),"steps":\#(stepsPerEpoch * epochsTotal),"loss":\#(1.0 / Double(e)),"time":\#(1_763_890_000 + step)}"# + "\n"
                    + #"{"type":"eval","epoch":\#(e),"acc1":\#(0.5 + 0.01 * Double(e))}"# + "\n"
                    + #"{"type":"checkpoint","epoch":\#(e),"path":"checkpoints/epoch_\#(e)","best":\#(e % 2 == 0)}"# + "\n"
            }.joined()
        }

        func write(_ text: String) throws { try Data(text.utf8).write(to: metricsURL) }

        func append(_ text: String) throws {
            let handle = try FileHandle(forWritingTo: metricsURL)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            try handle.close()
        }

        /// Sets the state (and the end time, as an end does).
        func setStatus(_ status: TaskStatus) throws {
            try ws.store.pool.write {
                try $0.execute(sql: "UPDATE task SET status = ?, finishedAt = ? WHERE id = ?", arguments: [status.rawValue, Date(), task.id])
            }
        }

        func storedRows() throws -> Int {
            try ws.store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM taskMetricSummary") ?? 0 }
        }
    }

    @Test func aFinishedTasksSummaryIsStoredThenReusedUntilAFileChanges() throws {
        let s = try Sandbox()
        try s.write(Sandbox.lines(epochs: 1...4))
        try s.setStatus(.finished)
        let status = try s.ws.taskStatus(s.task.id)
        #expect(status.epoch == 4 && status.epochs == 10 && status.step == 40 && status.steps == 100)
        #expect(status.progress == 0.4)
        #expect(s.ws.liveMetrics.fullReads == 1)
        #expect(try s.storedRows() == 1)
        // Asked again, by every front end's call, the stored summary answers: nothing is read.
        _ = try s.ws.taskStatus(s.task.id)
        _ = try s.ws.taskStatuses()
        let metrics = try s.ws.taskMetrics(s.task.id)
        #expect(s.ws.liveMetrics.fullReads == 1)
        #expect(metrics == Workspace.summarize(s.task.id, table: try s.ws.taskMetricTable(s.task.id).table, lines: 12, skipped: ""))
        #expect(metrics.best.first?.name == "eval/acc1" && abs((metrics.best.first?.value ?? 0) - 0.54) < 1e-9)
        #expect(metrics.checkpoints.count == 4)
        // Another process (a CLI call) finds it stored too.
        let other = try Workspace(root: s.folder.url)
        #expect(try other.taskStatus(s.task.id) == status)
        #expect(other.liveMetrics.fullReads == 0)
        // Files changed behind the record's back are noticed by a long-lived workspace once it
        // checks them again (`recheckAfter`), by a new one at once.
        try s.append(#"{"type":"train","epoch":5,"step":41,"loss":0.1}"# + "\n")
        #expect(try s.ws.taskStatus(s.task.id).step == 40)
        #expect(try Workspace(root: s.folder.url).taskStatus(s.task.id).step == 41)
        let record = try s.ws.task(s.task.id)
        #expect(s.ws.liveMetrics.checkedProgress(record) != nil)
        #expect(s.ws.liveMetrics.checkedProgress(record, now: Date() + LiveTaskMetrics.recheckAfter + 1) == nil)
        try s.write(Sandbox.lines(epochs: 1...4))
        // `task resume` appends, and the run ends again: the fingerprint changed, so it is read
        // again and stored anew.
        try s.append(Sandbox.lines(epochs: 5...6))
        try s.setStatus(.finished)
        let resumed = try s.ws.taskStatus(s.task.id)
        #expect(resumed.epoch == 6 && resumed.step == 60)
        #expect(s.ws.liveMetrics.fullReads == 2 + 1)  // + the taskMetricTable above
        #expect(try other.taskStatus(s.task.id).epoch == 6)
        #expect(other.liveMetrics.fullReads == 0)
        // A file that appears (an event file of the same run) makes it stale as well.
        try FileManager.default.createDirectory(at: s.ws.taskFolder(s.task.id).appendingPathComponent("runs"), withIntermediateDirectories: true)
        try Data("epoch,step,train_loss\n7,70,0.1\n".utf8).write(to: s.ws.taskFolder(s.task.id).appendingPathComponent("runs/metrics.csv"))
        try s.setStatus(.finished)
        _ = try s.ws.taskStatus(s.task.id)
        #expect(s.ws.liveMetrics.fullReads == 4)
    }

    @Test func aKilledWriteLeavesTheOldRowOrTheNew() throws {
        let s = try Sandbox()
        try s.write(Sandbox.lines(epochs: 1...2))
        try s.setStatus(.finished)
        _ = try s.ws.taskStatus(s.task.id)
        let before = try #require(try s.ws.storedMetricSummary(s.task.id))
        // A process killed inside the transaction that writes the row: SQLite rolls it back.
        struct Killed: Error {}
        #expect(throws: Killed.self) {
            try s.ws.store.pool.write { db in
                var half = before
                half.summary = "{\"taskId\":"
                half.fingerprint = "new"
                try half.save(db)
                throw Killed()
            }
        }
        #expect(try s.ws.storedMetricSummary(s.task.id) == before)
        // A row that cannot be read back (written by a newer aiarts, say) is made again, not trusted.
        try s.ws.store.pool.write {
            try $0.execute(sql: "UPDATE taskMetricSummary SET summary = '{', progress = '{' WHERE taskId = ?", arguments: [s.task.id])
        }
        let other = try Workspace(root: s.folder.url)
        #expect(try other.taskStatus(s.task.id).epoch == 2)
        #expect(other.liveMetrics.fullReads == 1)
        #expect(try s.ws.storedMetricSummary(s.task.id)?.metrics?.progress.epoch == 2)
    }

    @Test func nonFiniteValuesSurviveTheStoredForm() throws {
        let metrics = TaskMetrics(taskId: "T0001", series: [.init(name: "train/loss", points: 2, last: .nan, lastStep: 2, lastEpoch: nil),
                                                            .init(name: "train/grad", points: 1, last: .infinity, lastStep: 1, lastEpoch: 1)],
                                  best: [], progress: TrainingProgress(step: 2, eta: 0), checkpoints: [], lines: 3, skipped: "")
        let row = try TaskMetricSummaryRecord(taskId: "T0001", fingerprint: "", metrics: metrics)
        let back = try #require(row.metrics)
        #expect(row.trainingProgress == metrics.progress)
        #expect(back.series[0].last.isNaN && back.series[1].last == .infinity)
        #expect(back.progress == metrics.progress)
    }

    /// A task that has not ended is read by offset: the readers are kept between looks, and the
    /// summary made when it ends comes from them, equal to a read from byte 0.
    @Test func aRunningTaskIsReadByOffsetAndItsEndNeedsNoFullRead() throws {
        let s = try Sandbox()
        try s.write(Sandbox.lines(epochs: 1...2))
        #expect(try s.ws.taskStatus(s.task.id).epoch == 2)
        try s.append(Sandbox.lines(epochs: 3...3))
        #expect(try s.ws.taskStatuses().first?.epoch == 3)
        #expect(s.ws.liveMetrics.fullReads == 0)
        #expect(try s.storedRows() == 0)
        try s.append(Sandbox.lines(epochs: 4...5))
        try s.setStatus(.finished)
        let ended = try s.ws.taskMetrics(s.task.id)
        #expect(s.ws.liveMetrics.fullReads == 0)
        #expect(ended.progress.epoch == 5)
        #expect(s.ws.liveMetrics.take(s.task.id) == nil)
        let (table, lines, skipped) = try s.ws.taskMetricTable(s.task.id)
        #expect(ended == Workspace.summarize(s.task.id, table: table, lines: lines, skipped: skipped))
    }

    @Test func theProgressOfReadersEqualsTheMergedTables() throws {
        let folder = TempFolder()
        folder.write("train.log", "2025-01-01 10:00:00 [INFO]\t[TRAIN] Epoch=1/2, Step=1/10, loss=2.5, lr=0.1, time_each_step=0.3s, eta=0:00:10\n")
        folder.write("runs/metrics.csv", "epoch,step,train_loss\n1,5,0.5\n")
        var readers = TaskMetricReaders(folder: folder.url.path)
        readers.discover()
        readers.update { _ in }
        #expect(readers.progress == readers.table.progress.current)
        #expect(readers.progress.step != nil)
        // The protocol hides the log.
        folder.write("metrics.jsonl", #"{"type":"train","step":9,"steps":90,"loss":0.1}"# + "\n")
        readers.update { _ in }
        #expect(readers.logHidden)
        #expect(readers.progress == readers.table.progress.current && readers.progress.step == 9)
        #expect(readers.table["train/lr"] == nil)
    }
}
