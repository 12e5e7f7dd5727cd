import Foundation
import Testing
@testable import AIArtsEngine

@Suite struct CSVLogMetricsTests {
    @Test func kerasCSVLoggerZeroBasedEpochAndNA() {
        var parser = CSVMetricsParser()
        let records = parser.feed(lines: [
            "epoch,accuracy,learning_rate,loss,val_accuracy,val_loss",
            "0,0.5,0.001,0.9,0.55,0.8",
            "1,0.7,0.001,0.6,NA,NA",
        ])
        #expect(parser.flavor == .keras)
        #expect(records.count == 3)
        #expect(records[0].kind == .train && records[0].epoch == 1 && records[0].step == nil)
        #expect(records[0].values.map(\.name) == ["train/accuracy", "train/lr", "train/loss"])
        #expect(records[1].kind == .eval && records[1]["eval/accuracy"] == 0.55)
        #expect(records[2].epoch == 2 && records[2].values.count == 3)
    }

    @Test func lightningSparseRowsAndRewrittenHeader() {
        var parser = CSVMetricsParser()
        var records = parser.feed(lines: [
            "epoch,lr-SGD,step,train_loss_step",
            "0,0.1,49,0.9",
            "0,,99,0.8",
        ])
        #expect(parser.flavor == .lightning)
        #expect(records.map(\.step) == [49, 99])
        #expect(records[0]["train/lr-SGD"] == 0.1 && records[0]["train/loss_step"] == 0.9 && records[0].epoch == 1)
        #expect(records[1].values.count == 1)
        // A rewrite read without a reset: the new header is recognised and used.
        records = parser.feed(lines: ["epoch,lr-SGD,step,train_loss_step,val_acc", "0,,99,,0.71"])
        #expect(records.count == 1 && records[0].kind == .eval && records[0]["eval/acc"] == 0.71 && records[0].step == 99)
    }

    @Test func ultralyticsResultsCurrentAndPadded() {
        var current = CSVMetricsParser()
        let records = current.feed(lines: [
            "epoch,time,train/box_loss,train/cls_loss,train/dfl_loss,metrics/precision(B),metrics/recall(B),metrics/mAP50(B),metrics/mAP50-95(B),val/box_loss,val/cls_loss,val/dfl_loss,lr/pg0,lr/pg1,lr/pg2",
            "1,12.5,1.2,2.3,1.1,0.5,0.4,0.45,0.3,1.3,2.1,1.2,0.0701,0.0033,0.0033",
        ])
        #expect(current.flavor == .ultralytics)
        #expect(records.map(\.kind) == [.train, .eval])
        #expect(records[0].epoch == 1 && records[0]["train/time"] == 12.5 && records[0]["train/box_loss"] == 1.2 && records[0]["train/lr/pg0"] == 0.0701)
        #expect(records[1]["eval/mAP50(B)"] == 0.45 && records[1]["eval/box_loss"] == 1.3)

        var padded = CSVMetricsParser()
        let old = padded.feed(lines: [
            "                  epoch,         train/box_loss,         metrics/mAP_0.5,                 lr/pg0",
            "                      0,                0.10118,                0.00012,                 0.0704",
        ])
        #expect(padded.flavor == .ultralytics)
        #expect(old.first?.epoch == 1 && old.first?["train/box_loss"] == 0.10118)  // counted from 0 there, shown from 1
        #expect(old.last?["eval/mAP_0.5"] == 0.00012)
    }

    @Test func genericKeyValueLines() throws {
        var parser = KeyValueLogParser()
        #expect(parser.feed("2025-01-01 10:00:00 starting run at 10:00:00").isEmpty)
        let r = parser.feed("INFO:root:epoch=2/10 step: 120/1000 loss=0.31, val_acc: 0.8 lr:0.01 eta: 0:01:40 mode=fast")
        #expect(r.count == 2)
        #expect(r[0].epoch == 2 && r[0].epochs == 10 && r[0].step == 120 && r[0].steps == 1000 && r[0].reportedETA == 100)
        #expect(r[0].values.map(\.name) == ["train/loss", "train/lr"])
        #expect(r[1].kind == .eval && r[1]["eval/acc"] == 0.8)
    }

    @Test func detectorPicksTheFormat() {
        let paddleX = ["2025-01-01 10:00:00 [INFO]\t[TRAIN] Epoch=1/10, Step=2/50, loss=2.302585, lr=0.025, time_each_step=0.31s, eta=0:02:31"]
        #expect(LogFormatDetector.detect(lines: paddleX) == .paddleX)
        #expect(LogFormatDetector.detect(lines: ["[01/02 10:00:00] ppdet.engine INFO: Epoch: [0] [ 20/500] loss: 1.2"]) == .paddleDetection)
        #expect(LogFormatDetector.detect(lines: ["[Train][Epoch 1/10][Iter: 10/100]lr(Cosine): 0.1, loss: 1.2"]) == .paddleClas)
        #expect(LogFormatDetector.detect(lines: ["[TRAIN] epoch: 1, iter: 10/1000, loss: 2.5"]) == .paddleSeg)
        #expect(LogFormatDetector.detect(lines: ["{'loss': 0.5, 'epoch': 0.1}"]) == .huggingFace)
        #expect(LogFormatDetector.detect(lines: ["Epoch 1/3", "5/5 ━━━━ 0s 3ms/step - loss: 0.5"]) == .keras)
        #expect(LogFormatDetector.detect(lines: ["it 3 loss=0.5"]) == .keyValue)
        #expect(LogFormatDetector.detect(lines: ["hello world"]) == nil)
        #expect(LogFormatDetector.detect(lines: [], fileName: "results.csv") == .csv)
    }

    @Test func autoParserHoldsGenericLinesUntilAFormatShows() {
        var auto = AutoLogParser()
        #expect(auto.feed("setup: lr=0.1").isEmpty)  // held: might be PaddleX preamble
        let r = auto.feed("2025-01-01 10:00:00 [INFO]\t[TRAIN] Epoch=1/10, Step=2/50, loss=2.3, lr=0.025")
        #expect(auto.format == .paddleX && r.first?["train/loss"] == 2.3)

        var generic = AutoLogParser()
        #expect(generic.feed("loss=0.5").isEmpty)
        #expect(generic.feed("loss=0.4").isEmpty)
        let flushed = generic.finish()
        #expect(generic.format == .keyValue && flushed.map { $0["train/loss"] } == [0.5, 0.4])
        #expect(generic.feed("loss=0.3").first?["train/loss"] == 0.3)
    }

    /// Keras's CSVLogger is usually given `training.log` (Keras's own docs do so): CSV is known
    /// by its content, whatever the file is called; a key=value log is not taken for one.
    @Test func aCSVIsKnownByItsContentWhateverItsName() {
        let folder = TempFolder()
        let keras = folder.write("training.log", "epoch,accuracy,loss,val_accuracy,val_loss\n0,0.5,1.2,0.55,1.1\n1,0.6,1.0,0.62,0.9\n")
        #expect(MetricSourceKind.sniff(path: keras.path) == .csv(nil))
        let pandas = folder.write("history.txt", ",loss,val_loss\n0,1.2,1.1\n1,1.0,0.9\n")
        #expect(MetricSourceKind.sniff(path: pandas.path) == .csv(nil))
        let pairs = folder.write("train.log", "epoch=1, loss=0.5\nepoch=2, loss=0.4\n")
        #expect(MetricSourceKind.sniff(path: pairs.path) != .csv(nil))
        let prose = folder.write("notes.log", "started, all good\nfinished, took 3 s\n")
        #expect(MetricSourceKind.sniff(path: prose.path) != .csv(nil))
    }

    /// pandas' `history.csv` (an unnamed index column), an older ultralytics `results.csv` counting
    /// epochs from 0, and one committed with merge conflict markers.
    @Test func pandasIndexOldUltralyticsAndConflictMarkers() {
        var pandas = CSVMetricsParser()
        let history = pandas.feed(lines: [",loss,val_loss", "0,1.2,1.1", "1,1.0,0.9"])
        #expect(history.map(\.epoch) == [1, 1, 2, 2])
        #expect(!history.flatMap(\.values).contains { $0.name == "train/" })
        #expect(Set(history.flatMap(\.values).map(\.name)) == ["train/loss", "eval/loss"])

        var old = CSVMetricsParser()
        let rows = old.feed(lines: ["      epoch,      train/box_loss", "          0,      1.2", "          1,      1.0"])
        #expect(rows.map(\.epoch) == [1, 2])
        var current = CSVMetricsParser()
        #expect(current.feed(lines: ["epoch,train/box_loss", "1,1.2", "2,1.0"]).map(\.epoch) == [1, 2])

        var merged = CSVMetricsParser()
        let conflicted = merged.feed(lines: ["epoch,train/box_loss", "1,1.2", "<<<<<<< HEAD", "2,0.9", "=======", "2,0.8", ">>>>>>> branch"])
        #expect(Set(conflicted.flatMap(\.values).map(\.name)) == ["train/box_loss"])
        #expect(merged.skipped.counts[.conflictMarker] == 3)
    }

    /// A hand-written loop's phrases: train and val apart, the epoch from `Epoch [n/N]`,
    /// percentages as fractions, the line's time kept.
    @Test func freeFormPhrasesSplitTrainAndValAndKeepTheTime() {
        var parser = KeyValueLogParser()
        let records = parser.feed(lines: [
            "2024-03-01 12:00:00 Epoch [1/50] Train Loss: 2.10 Train Acc: 20.5% Val Loss: 2.05 Val Acc: 22.0%",
            "2024-03-01 12:01:00 Epoch [2/50] Train Loss: 1.94 Train Acc: 31.2% Val Loss: 1.91 Val Acc: 33.0%",
        ])
        #expect(records.map(\.kind) == [.train, .eval, .train, .eval])
        #expect(records[2].epoch == 2 && records[2].epochs == 50)
        #expect(records[2]["train/loss"] == 1.94 && abs(records[2]["train/acc"]! - 0.312) < 1e-12)
        #expect(records[3]["eval/loss"] == 1.91 && abs(records[3]["eval/acc"]! - 0.33) < 1e-12)
        var clock = LogTimestamp()
        #expect(records[2].wallTime == clock.parse("2024-03-01 12:01:00") && records[3].wallTime == records[2].wallTime)
        // The older shape still reads as before.
        #expect(parser.feed("loss=0.3 val_acc: 0.8").map { $0.values.map(\.name) } == [["train/loss"], ["eval/acc"]])
    }
}
