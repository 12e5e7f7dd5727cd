import Foundation
import Testing
@testable import AIArtsEngine

/// One absurd number in a log ("Epoch=9223372036854775807/10", a CSV step of 1e308) used to
/// trap on an integer overflow or a Double-to-Int conversion and take the CLI and UI down.
/// Such a line is now skipped and counted; the lines around it are read.
@Suite struct HugeNumberMetricsTests {
    static let max = "9223372036854775807"

    @Test func stepMathRefusesWhatWouldTrap() {
        #expect(StepMath.global(epoch: 3, first: 1, perEpoch: 50, step: 2) == 102)
        #expect(StepMath.global(epoch: Int.max, first: 1, perEpoch: 50, step: 2) == nil)
        #expect(StepMath.global(epoch: Int.min, first: 1, perEpoch: 1, step: 0) == nil)
        #expect(StepMath.global(epoch: 99_999_999_999, first: 1, perEpoch: 99_999_999_999, step: 1) == nil)
        #expect(StepMath.product(1 << 30, 1 << 30) == 1 << 60 ? false : true)  // beyond 2^53
        #expect(StepMath.sum(StepMath.limit, 1) == nil)
        #expect(StepMath.integer(1e308) == nil && StepMath.integer(.nan) == nil && StepMath.integer(-.infinity) == nil)
        #expect(StepMath.integer(49.9) == 49)
    }

    @Test func paddleXEpochOverflow() {
        var parser = PaddleXLogParser()
        let records = parser.feed(lines: [
            "2025-01-01 10:00:00 [INFO]\t[TRAIN] Epoch=1/10, Step=2/50, loss=2.3",
            "2025-01-01 10:00:01 [INFO]\t[TRAIN] Epoch=\(Self.max)/10, Step=2/50, loss=2.302585",
            "2025-01-01 10:00:02 [INFO]\t[TRAIN] Epoch=1/10, Step=3/\(Self.max), loss=2.2",
            "2025-01-01 10:00:03 [INFO]\t[TRAIN] Epoch \(Self.max) finished, loss=2.1 .",
            "2025-01-01 10:00:04 [INFO]\t[EVAL] Finished, Epoch=1e308, acc1=0.60 .",
            "2025-01-01 10:00:05 [INFO]\t[EVAL] Finished, Epoch=nan, acc1=0.60 .",
            "2025-01-01 10:00:06 [INFO]\t[TRAIN] Epoch=2/10, Step=1/50, loss=2.0",
        ])
        // Step 3 of epoch 1 is fine whatever the epoch length; its total (steps · epochs) is not.
        #expect(records.map(\.step) == [2, 3, 51])
        #expect(records[1].steps == nil)
        #expect(parser.skipped.counts[.numberOutOfRange] == 4)
    }

    @Test func paddleXFastScannerOverflowGoesToTheCountedSlowPath() {
        var scanner = PaddleXFastScanner()
        var table = MetricTable()
        for line in ["2025-01-01 10:00:00 [INFO]\t[TRAIN] Epoch=99999999999/10, Step=2/99999999999, loss=2.3",
                     "2025-01-01 10:00:01 [INFO]\t[TRAIN] Epoch=1/10, Step=2/50, loss=2.3"] {
            Array(line.utf8).withUnsafeBufferPointer { scanner.scan($0, into: &table) }
        }
        scanner.flushProgress(into: &table)
        #expect(table["train/loss"]?.count == 1)
        #expect(scanner.skipped.counts[.numberOutOfRange] == 1)
    }

    @Test func paddleDetectionEpochOverflow() {
        var parser = PaddleDetectionLogParser()
        let records = parser.feed(lines: [
            "[01/02 10:00:00] ppdet.engine INFO: Epoch: [\(Self.max)] [ 20/500] learning_rate: 0.000100 loss: 1.234567",
            "[01/02 10:00:00] ppdet.engine INFO: Epoch: [2] [ 20/\(Self.max)] learning_rate: 0.000100 loss: 1.234567",
            "[01/02 10:00:01] ppdet.engine INFO: Epoch: [0] [ 20/500] learning_rate: 0.000100 loss: 1.2",
        ])
        #expect(records.map(\.step) == [20])
        #expect(parser.skipped.counts[.numberOutOfRange] == 2)
    }

    @Test func paddleClasEpochOverflow() {
        var parser = PaddleClasLogParser()
        let records = parser.feed(lines: [
            "[2023/05/10 10:00:00] ppcls INFO: [Train][Epoch 1/10][Iter: 10/100]lr(Cosine): 0.1, loss: 1.2",
            "[2023/05/10 10:00:00] ppcls INFO: [Train][Epoch \(Self.max)/10][Iter: 10/100]lr(Cosine): 0.1, loss: 1.2",
            "[2023/05/10 10:00:00] ppcls INFO: [Eval][Epoch \(Self.max)][Avg]CELoss: 1.0, top1: 0.6",
        ])
        #expect(records.map(\.step) == [10])
        #expect(parser.skipped.counts[.numberOutOfRange] == 2)
    }

    @Test func kerasEpochOverflow() {
        var parser = KerasProgressParser()
        let records = parser.feed(lines: [
            "Epoch \(Self.max)/10",
            "32/32 [==============================] - 1s 20ms/step - loss: 0.3000 - accuracy: 0.9000",
            "Epoch 2/10",
            "32/32 [==============================] - 1s 20ms/step - loss: 0.2000 - accuracy: 0.9500",
        ])
        #expect(records.map(\.step) == [64])
        #expect(parser.skipped.counts[.numberOutOfRange] == 1)
    }

    @Test func lightningCSVStepOf1e308() {
        var parser = CSVMetricsParser()
        let records = parser.feed(lines: ["epoch,step,train_loss", "0,1,0.5", "0,1e308,0.4", "0,inf,0.3", "0,-1,0.2", "0,3,0.1"])
        #expect(records.map(\.step) == [1, nil, 3])
        #expect(parser.skipped.counts[.numberOutOfRange] == 2)
    }

    @Test func stepsBeyond2To53AreNotStepsInOtherFormats() {
        var seg = PaddleSegLogParser()
        #expect(seg.feed("2023-01-01 10:00:00 [INFO]\t[TRAIN] epoch: 1, iter: \(Self.max)/1000, loss: 2.5").isEmpty)
        #expect(seg.skipped.total == 1)
        var kv = KeyValueLogParser()
        #expect(kv.feed("step=\(Self.max) loss=0.5").first?.step == nil)
        var proto = MetricsProtocolParser()
        #expect(proto.parse(line: Array(#"{"type":"train","step":100000000000000000,"loss":1}"#.utf8), at: 0) == nil)
        #expect(proto.skipped.counts[.numberOutOfRange] == 1)
    }

    /// The format is still found when its only line is out of range, so the skip is reported
    /// under the right format rather than the line being read as key=value.
    @Test func autoDetectionCountsSkippedLinesAsTheirFormat() {
        let line = "[01/02 10:00:00] ppdet.engine INFO: Epoch: [\(Self.max)] [ 20/500] learning_rate: 0.0001 loss: 1.2"
        #expect(LogFormatDetector.detect(lines: [line]) == .paddleDetection)
        var auto = AutoLogParser()
        #expect(auto.feed(line).isEmpty)
        #expect(auto.format == .paddleDetection)
        #expect(auto.skipped.total == 1)
    }

    @Test func progressSurvivesExtremeSteps() {
        var tracker = ProgressTracker()
        tracker.observe(MetricRecord(kind: .train, step: -StepMath.limit, steps: StepMath.limit, wallTime: 1, values: [("train/loss", 1)]))
        tracker.observe(MetricRecord(kind: .train, step: StepMath.limit, steps: StepMath.limit, wallTime: 2, values: [("train/loss", 1)]))
        #expect(tracker.current.stepsPerSecond != nil)
        // The chart side of extreme steps: ChartTests.anExtremeXSpanDoesNotTrap.
    }

    /// Found by scripts/fuzz.sh (paddlex, paddleseg, paddleclas): a token ending in tens of
    /// thousands of commas took seconds per line (trailing commas were trimmed one Character
    /// at a time, quadratically), so one such line stalled a log's reading. 200 000 commas took
    /// minutes; now it is a few milliseconds. The bound is generous: this is a hang check.
    @Test func aTokenOfManyCommasIsScannedInLinearTime() {
        let line = "2025-01-01 10:00:00 [INFO]\t[TRAIN] Epoch=1/10, Step=2/50" + String(repeating: ",", count: 200_000) + " loss=2.3"
        let clock = ContinuousClock()
        var records: [MetricRecord] = []
        let elapsed = clock.measure {
            var parser = PaddleXLogParser()
            records = parser.feed(line)
        }
        #expect(records.first?["train/loss"] == 2.3)
        #expect(elapsed < .seconds(10))
    }

    @Test func logParseReportsTheSkip() throws {
        let folder = TempFolder("aiarts-huge")
        let path = folder.path("metrics.csv").path
        try Data("epoch,step,train_loss\n0,1,0.5\n0,1e308,0.4\n".utf8).write(to: URL(fileURLWithPath: path))
        var reader = MetricSourceReader(path: path, kind: .resolve(.auto, path: path))
        try reader.update()
        #expect(reader.table["train/loss"]?.count == 1)
        #expect(reader.skipped == "1 skipped: 1 step or epoch out of range")
    }

    /// What the UI calls when a workspace opens (every task's status and metrics) survives a
    /// task whose log holds such a line, and reports the skip.
    @Test func aWorkspaceWithSuchALogStillOpens() throws {
        let folder = TempFolder("aiarts-huge-ws")
        let ws = try Workspace(root: folder.url)
        let project = try ws.createProject(name: "p", type: .classification)
        let logs: [(file: String, text: String)] = [
            ("train.log", "2025-01-01 10:00:00 [INFO]\t[TRAIN] Epoch=1/10, Step=2/50, loss=2.3\n2025-01-01 10:00:01 [INFO]\t[TRAIN] Epoch=\(Self.max)/10, Step=2/50, loss=2.302585\n"),
            ("metrics.csv", "epoch,step,train_loss\n0,1,0.5\n0,1e308,0.4\n"),
            ("train.log", "[01/02 10:00:00] ppdet.engine INFO: Epoch: [\(Self.max)] [ 20/500] learning_rate: 0.0001 loss: 1.2\n"),
            ("train.log", "[2023/05/10 10:00:00] ppcls INFO: [Train][Epoch \(Self.max)/10][Iter: 10/100]lr(Cosine): 0.1, loss: 1.2\n"),
            ("train.log", "Epoch \(Self.max)/10\n32/32 [==============================] - 1s 20ms/step - loss: 0.3000\n"),
        ]
        for (n, log) in logs.enumerated() {
            let task = try ws.createTask(projectID: project.id, name: "t\(n)", trainer: .command, params: ["command": "true"])
            let taskFolder = ws.taskFolder(task.id)
            try FileManager.default.createDirectory(at: taskFolder, withIntermediateDirectories: true)
            try Data(log.text.utf8).write(to: taskFolder.appendingPathComponent(log.file))
        }
        for task in try ws.tasks() {
            _ = try ws.taskStatus(task.id)
            let metrics = try ws.taskMetrics(task.id)
            #expect(metrics.skipped.contains("step or epoch out of range"), "\(task.name)")
        }
    }
}
