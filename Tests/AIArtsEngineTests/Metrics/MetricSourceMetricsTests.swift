import Foundation
import Testing
@testable import AIArtsEngine

/// Reading whole files into tables: format detection, the fast PaddleX path, JSON names and shape.
@Suite struct MetricSourceMetricsTests {
    static let paddleX = """
        2025-01-01 10:00:00 [INFO]\tLoading pretrained model from output/pretrain
        2025-01-01 10:00:01 [INFO]\t[TRAIN] Epoch=1/2, Step=1/3, loss=2.302585, acc1=0.125, lr=0.025, time_each_step=0.31s, eta=0:02:31
        2025-01-01 10:00:02 [INFO]\t[TRAIN] Epoch=1/2, Step=2/3, loss=2.1, acc1=0.25, lr=0.025, time_each_step=0.3s, eta=0:02:30
        2025-01-01 10:00:02 [WARNING]\tsomething odd [TRAIN] happened
        2025-01-01 10:00:03 [INFO]\t[TRAIN] Epoch=1/2, Step=3/3, loss=nan, acc1=1e-3, lr=2.5E-2, time_each_step=0.3s, eta=0:02:29
        2025-01-01 10:00:04 [INFO]\t[TRAIN] Epoch 1 finished, loss=2.0, acc1=0.3 .
        2025-01-01 10:00:05 [INFO]\t[EVAL] Finished, Epoch=1, acc1=0.60, acc5=0.9 .
        2025-01-01 10:00:05 [INFO]\tModel saved in output/epoch_1.
        2025-01-01 10:00:05 [INFO]\tCurrent evaluated best model in eval_dataset is epoch_1, acc1=0.6
        2025-01-01 10:00:06 [INFO]\t[TRAIN] Epoch=2/2, Step=1/3, loss=1.5, acc1=0.5, lr=0.0125, time_each_step=0.29s, eta=0:01:00, extra=abc
        2025-01-01 10:00:07 [INFO]\t[TRAIN] Epoch=2/2, Step=2/3, loss=1.25, acc1=0.625, lr=0.0125, time_each_step=0.29s, eta=0:00:59

        """

    private func read(_ url: URL, _ kind: MetricSourceKind) throws -> MetricSourceReader {
        var reader = MetricSourceReader(path: url.path, kind: kind)
        try reader.update()
        reader.finish()
        return reader
    }

    @Test func fastPaddleXReadingEqualsTheLineParser() throws {
        let folder = TempFolder()
        let url = folder.write("train.log", Self.paddleX)
        let fast = try read(url, .log(.paddleX)).table
        var parser = PaddleXLogParser()
        var slow = MetricTable()
        for line in Self.paddleX.split(separator: "\n", omittingEmptySubsequences: false) { slow.append(contentsOf: parser.feed(String(line))) }
        #expect(fast.names == slow.names)
        for name in slow.names {
            let a = fast[name]!, b = slow[name]!
            #expect(a.points.count == b.points.count, "\(name)")
            for (p, q) in zip(a.points, b.points) {
                #expect(p.step == q.step && p.epoch == q.epoch && p.wallTime == q.wallTime, "\(name)")
                #expect(p.value == q.value || (p.value.isNaN && q.value.isNaN), "\(name)")
            }
        }
        #expect(fast.checkpoints == slow.checkpoints)
        #expect(fast.progress.current == slow.progress.current)
        // Global steps: (epoch − 1) · steps per epoch + step; evaluations at their epoch's end.
        #expect(fast["train/loss"]?.points.map(\.step) == [1, 2, 3, 4, 5])
        #expect(fast["eval/acc1"]?.points.first?.step == 3)
        #expect(fast["train/acc1"]?.values[2] == 0.001)
        #expect(fast["train/lr"]?.values[2] == 0.025)
        // Times are the log's local timestamps.
        var stamp = LogTimestamp()
        #expect(fast["train/loss"]?.points.first?.wallTime == stamp.parse("2025-01-01 10:00:01"))
        #expect(fast["train/loss"]?.points[1].wallTime == (fast["train/loss"]?.points[0].wallTime).map { $0 + 1 })
    }

    @Test func fastNumbersAreExact() {
        for text in ["0", "2.302585", "-1e-05", "0.31s", "123456789.123456", "5e+3", "0.1", "1.7976931348623157e308", "12345678901234567890"] {
            let fast = Array(text.utf8).withUnsafeBufferPointer { PaddleXFastScanner.number($0) }
            #expect(fast == LogPairs.number(text), "\(text)")
        }
        #expect(Array("1.2.3".utf8).withUnsafeBufferPointer { PaddleXFastScanner.number($0) } == nil)
        for text in ["0:02:31", "12:05", "7", "25:02:00", "1:2:3:4", "12.5s", "x", ""] {
            let fast = Array(text.utf8).withUnsafeBufferPointer { PaddleXFastScanner.duration($0) }
            #expect(fast == MetricText.duration(text), "\(text)")
        }
    }

    /// Hugging Face's evaluation keys keep their `eval/` group, as its TensorBoard callback
    /// names them: `eval_loss` is not the train loss, `eval_g0_accuracy` is not `g0_accuracy`.
    @Test func huggingFaceEvalSeriesKeepTheirGroup() throws {
        let json = """
        {"max_steps": 20, "log_history": [
          {"epoch": 0.5, "learning_rate": 4e-05, "loss": 0.69, "step": 10},
          {"epoch": 1.0, "eval_g0_accuracy": 0.8, "eval_loss": 0.5, "step": 20}]}
        """
        var table = MetricTable()
        for record in try TrainerStateReader.read(Array(json.utf8)).records { table.append(record) }
        #expect(table.names == ["train/lr", "train/loss", "eval/g0_accuracy", "eval/loss"])
        var bytes: [UInt8] = []
        table.writeJSON { bytes.append(contentsOf: $0) }
        let root = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: [[String: Any]]])
        #expect(root["eval/loss"]?.first?["value"] as? Double == 0.5 && root["train/loss"]?.first?["value"] as? Double == 0.69)
    }

    /// Lightning's `metrics.csv` with only `val_loss` logged: the series stays an evaluation loss.
    @Test func lightningValidationLossAloneIsNotTheTrainLoss() {
        var parser = CSVMetricsParser()
        var table = MetricTable()
        for record in parser.feed(lines: ["epoch,step,val_loss", "0,99,0.81", "1,199,0.64"]) { table.append(record) }
        #expect(table.names == ["eval/loss"])
        #expect(table["eval/loss"]?.points.map(\.value) == [0.81, 0.64])
    }

    @Test func jsonHasOneKeyPerSeriesWithNullsForTheUnknown() throws {
        var table = MetricTable()
        table.append(MetricRecord(kind: .train, step: 120, epoch: 2, wallTime: 1763890000.5, values: [("train/loss", 0.31)]))
        table.append(MetricRecord(kind: .eval, epoch: 2, values: [("eval/acc1", 0.91), ("eval/loss", .nan)]))
        table.append(MetricRecord(kind: .train, step: 121, values: [("train/loss", 0.3)]))
        var bytes: [UInt8] = []
        table.writeJSON { bytes.append(contentsOf: $0) }
        let root = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: [[String: Any]]])
        #expect(Set(root.keys) == ["train/loss", "eval/acc1", "eval/loss"])
        #expect(root["eval/loss"]?.first?["value"] is NSNull)
        let loss = try #require(root["train/loss"])
        #expect(loss.count == 2)
        #expect(loss[0]["step"] as? Int == 120 && loss[0]["epoch"] as? Int == 2 && loss[0]["value"] as? Double == 0.31)
        #expect(loss[0]["time"] as? Double == 1763890000.5)
        #expect(loss[1]["epoch"] is NSNull && loss[1]["time"] is NSNull)
        #expect(root["eval/acc1"]?.first?["step"] is NSNull)
        var empty: [UInt8] = []
        MetricTable().writeJSON { empty.append(contentsOf: $0) }
        #expect(String(decoding: empty, as: UTF8.self) == "{}\n")
    }

    @Test func autoDetectsFilesByNameFramingAndContent() throws {
        let folder = TempFolder()
        let events = TFEventsTestEncoder.frame(TFEventsTestEncoder.event(wallTime: 2, step: 1, values: [TFEventsTestEncoder.simpleValue("acc", 0.5)]))
        let unnamed = folder.write("renamed.bin", Data(events))
        #expect(MetricSourceKind.resolve(.auto, path: unnamed.path) == .tfevents)
        #expect(try read(unnamed, .tfevents).table["acc"]?.values == [0.5])
        #expect(MetricSourceKind.sniff(path: folder.write("events.out.tfevents.9.h", "").path) == .tfevents)
        #expect(MetricSourceKind.sniff(path: folder.write("m.jsonl", #"{"type":"train","loss":1}"# + "\n").path) == .protocolLines)
        #expect(MetricSourceKind.sniff(path: folder.write("train.log", Self.paddleX).path) == .log(.paddleX))
        #expect(MetricSourceKind.sniff(path: folder.write("metrics.csv", "epoch,step,train_loss\n0,10,0.5\n").path) == .csv(nil))
        #expect(MetricSourceKind.sniff(path: folder.write("trainer_state.json", "{}").path) == .trainerState)
        #expect(MetricSourceKind.sniff(path: folder.write("out.log", "step 3 loss=0.5\n").path) == .log(.keyValue))
        #expect(MetricSourceKind.resolve(.keras, path: "/x/log.csv") == .csv(.keras))
        #expect(MetricSourceKind.resolve(.hf, path: "/x/trainer_state.json") == .trainerState)
        #expect(MetricSourceKind.resolve(.hf, path: "/x/train.log") == .log(.huggingFace))
    }

    @Test func aRewrittenLogStartsItsTableOver() throws {
        let folder = TempFolder()
        let url = folder.write("train.log", Self.paddleX)
        var reader = MetricSourceReader(path: url.path, kind: .log(.paddleX))
        #expect(try reader.update() == false)
        #expect(reader.table["train/loss"]?.count == 5)
        folder.write("train.log", "2025-01-02 10:00:01 [INFO]\t[TRAIN] Epoch=1/1, Step=1/1, loss=9.0, lr=0.1\n")
        #expect(try reader.update() == true)
        #expect(reader.table["train/loss"]?.values == [9.0])
        #expect(reader.table["eval/acc1"] == nil)
    }

    @Test func longLinesInABlockAreSkipped() throws {
        let folder = TempFolder()
        let url = folder.write("log", "short\n" + String(repeating: "x", count: 300) + "\nend\npartial")
        var reader = IncrementalReader(path: url.path, maxLineBytes: 100)
        var block = try reader.readBlock(maxBytes: 1 << 16)
        var lines: [String] = []
        block.forEachLine { line, _ in lines.append(String(decoding: line, as: UTF8.self)) }
        #expect(lines == ["short", "end"])
        #expect(block.skippedLongLines == 1)
        #expect(reader.position.offset == 6 + 301 + 4)
    }

    @Test func trainerStateAndEventFilesOfATaskFolderAreFound() throws {
        let folder = TempFolder()
        folder.write("train.log", "loss=0.5\n")
        folder.write("output/checkpoint-10/trainer_state.json", #"{"log_history":[{"loss":0.9,"learning_rate":0.1,"epoch":0.5,"step":10}]}"#)
        let events = TFEventsTestEncoder.frame(TFEventsTestEncoder.event(wallTime: 2, step: 1, values: [TFEventsTestEncoder.simpleValue("acc", 0.5)]))
        folder.write("runs/a/b/events.out.tfevents.1.h", Data(events))
        folder.write("a/b/c/d/e/events.out.tfevents.2.h", Data(events))  // too deep
        let sources = TaskMetricSources.discover(folder: folder.url.path)
        #expect(sources.map(\.rank) == [0, 2, 1, 1])
        #expect(sources[2].kind == .tfevents && sources[2].path.hasSuffix("runs/a/b/events.out.tfevents.1.h"))
        #expect(sources[3].kind == .trainerState)
        var readers: [(rank: Int, reader: MetricSourceReader)] = []
        for source in sources {
            var reader = MetricSourceReader(path: source.path, kind: source.kind)
            try reader.update()
            reader.finish()
            readers.append((source.rank, reader))
        }
        let merged = TaskMetricSources.merge(readers)
        // trainer_state.json (rank 1) hides the console log's train/loss.
        #expect(merged["train/loss"]?.values == [0.9])
        #expect(merged["train/loss"]?.points.first?.step == 10)
        #expect(merged["acc"]?.values == [0.5])
    }
}

/// `taskMetricTable`: which of a task folder's files its series come from.
@Suite struct TaskMetricSourcesMetricsTests {
    @Test func protocolFirstElseTheConsoleLog() throws {
        let folder = TempFolder("aiarts-metrics-ws")
        let ws = try Workspace(root: folder.url)
        let project = try ws.createProject(name: "p", type: .classification)
        let task = try ws.createTask(projectID: project.id, trainer: .command, params: ["command": "true"])
        let taskFolder = ws.taskFolder(task.id)
        #expect(try ws.taskMetricTable(task.id).table.pointCount == 0)  // no folder yet
        try FileManager.default.createDirectory(at: taskFolder, withIntermediateDirectories: true)
        // A custom command that prints PaddleX lines: its log is parsed.
        try Data(MetricSourceMetricsTests.paddleX.utf8).write(to: taskFolder.appendingPathComponent("train.log"))
        let fromLog = try ws.taskMetricTable(task.id).table
        #expect(fromLog["train/loss"]?.count == 5)
        #expect(fromLog.names.prefix(2) == ["train/loss", "train/acc1"])
        #expect(fromLog.names.contains("eval/acc1"))
        #expect(try ws.taskMetrics(task.id).series.contains { $0.name == "eval/acc1" })
        // Once it writes the protocol, the log is no longer read.
        try Data((#"{"type":"train","step":1,"loss":0.5}"# + "\n").utf8).write(to: taskFolder.appendingPathComponent("metrics.jsonl"))
        let result = try ws.taskMetricTable(task.id)
        #expect(result.table.names == ["train/loss"])
        #expect(result.lines == 1)
    }
}
