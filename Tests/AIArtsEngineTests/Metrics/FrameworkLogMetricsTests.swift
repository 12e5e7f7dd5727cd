import Foundation
import Testing
@testable import AIArtsEngine

@Suite struct FrameworkLogMetricsTests {
    @Test func huggingFaceConsoleDicts() throws {
        var parser = HuggingFaceLogParser()
        let train = try #require(parser.feed("{'loss': 0.6931, 'grad_norm': 1.2345678, 'learning_rate': 5e-05, 'epoch': 0.5}").first)
        #expect(train.kind == .train && train.epoch == 0.5 && train.step == nil)
        #expect(train.values.map(\.name) == ["train/loss", "train/grad_norm", "train/lr"])
        // numpy 2 scalars, nan, and a tqdm redraw in front of the dict.
        let line = "\r 50%|█████     | 10/20 [00:02<00:02,  4.5it/s]\r                \r{'eval_loss': np.float64(0.52), 'eval_accuracy': nan, 'eval_runtime': 1.2, 'eval_model_preparation_time': 0.001, 'epoch': 1.0}"
        let eval = try #require(parser.feed(line).first)
        #expect(eval.kind == .eval && eval["eval/loss"] == 0.52 && eval["eval/accuracy"]?.isNaN == true && eval.epoch == 1)
        let summary = try #require(parser.feed("{'train_runtime': 10.5, 'train_samples_per_second': 95.2, 'train_steps_per_second': 1.9, 'train_loss': 0.61, 'epoch': 2.0}").first)
        #expect(summary.kind == .other("summary") && summary["summary/train_loss"] == 0.61)
        #expect(parser.feed("{'loss': inf, 'note': 'a, b}', 'nested': {'x': [1, 2]}, 'epoch': 0.75}").first?["train/loss"] == .infinity)
        #expect(parser.feed("Saving model checkpoint to out/checkpoint-20").isEmpty)
    }

    @Test func trainerStateLogHistory() throws {
        let json = """
        {"best_model_checkpoint": "out/checkpoint-20", "epoch": 2.0, "global_step": 40, "max_steps": 40, "num_train_epochs": 2,
         "log_history": [
          {"epoch": 0.5, "grad_norm": 1.5, "learning_rate": 4e-05, "loss": 0.69, "step": 10},
          {"epoch": 1.0, "eval_accuracy": 0.8, "eval_loss": 0.5, "eval_runtime": 1.1, "step": 20},
          {"epoch": 1.5, "grad_norm": NaN, "learning_rate": 2e-05, "loss": 0.4, "step": 30},
          {"epoch": 2.0, "step": 40, "total_flos": 1e12, "train_loss": 0.5, "train_runtime": 12.0}
         ]}
        """
        let state = try TrainerStateReader.read(Array(json.utf8))
        #expect(state.maxSteps == 40 && state.epochs == 2 && state.bestCheckpoint == "out/checkpoint-20")
        #expect(state.records.map(\.step) == [10, 20, 30, 40])
        #expect(state.records[1].kind == .eval && state.records[1]["eval/accuracy"] == 0.8)
        #expect(state.records[2]["train/grad_norm"]?.isNaN == true && state.records[2]["train/lr"] == 2e-05)
        #expect(state.records[3].kind == .other("summary"))
        #expect(throws: MetricsError.self) { try TrainerStateReader.read(Array("{\"log_history\": [".utf8)) }
    }

    @Test func kerasProgressWithRedrawsAndEscapes() throws {
        let bold = "\u{1B}[1m", reset = "\u{1B}[0m", green = "\u{1B}[32m"
        let redraws = (1...32).map { i in
            "\r\(bold)\(i)/32\(reset) \(green)━━━━━━━━━━━━━━━━━━━━\(reset) \(bold)1s\(reset) 20ms/step - accuracy: 0.\(i < 32 ? "5000" : "9000") - loss: \(i < 32 ? "0.7000" : "0.3000")"
                + (i == 32 ? " - val_accuracy: 0.8500 - val_loss: 0.4000" : "")
        }.joined() + "\u{08}\u{08}  "
        var parser = KerasProgressParser()
        #expect(parser.feed("Epoch 3/10").isEmpty)
        let records = parser.feed(redraws)
        #expect(records.count == 2)
        #expect(records[0].kind == .train && records[0].step == 96 && records[0].epoch == 3 && records[0].steps == 320)
        #expect(records[0]["train/accuracy"] == 0.9 && records[0]["train/loss"] == 0.3 && records[0].secondsPerStep == 0.02)
        #expect(records[1].kind == .eval && records[1]["eval/accuracy"] == 0.85 && records[1].step == 96)
        // Keras 2 bar, then evaluate() output after the epoch ended.
        #expect(parser.feed("Epoch 4/10").isEmpty)
        let k2 = parser.feed("32/32 [==============================] - 1s 350us/step - loss: 0.2500 - accuracy: 0.9500")
        #expect(k2.first?.step == 128 && k2.first?.secondsPerStep == 0.00035)
        let test = parser.feed("10/10 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: 0.8800 - loss: 0.3300")
        #expect(test.first?.kind == .other("test") && test.first?["test/accuracy"] == 0.88 && test.first?.step == nil)
        #expect(parser.feed("32/32 ━━━━━━━━━━━━━━━━━━━━ 0s 1ms/step").isEmpty)  // predict(): no metrics
    }

    /// A fit() line whose "Epoch n/N" line is not in the file (the log was cut with tail): its
    /// val_ keys say it is training with validation, not evaluate().
    @Test func kerasFitLineWithoutItsEpochLine() {
        var parser = KerasProgressParser()
        let records = parser.feed("32/32 ━━━━━━━━━━━━━━━━━━━━ 1s 20ms/step - accuracy: 0.8125 - loss: 0.4907 - val_accuracy: 0.8500 - val_loss: 0.4000")
        #expect(records.map(\.kind) == [.train, .eval])
        #expect(records[0]["train/loss"] == 0.4907 && records[1]["eval/loss"] == 0.4 && records[1]["eval/accuracy"] == 0.85)
        #expect(records[0].epoch == nil && records[0].step == nil)
    }

    @Test func terminalTextTakesTheFinalRedraw() {
        #expect(TerminalText.finalRedraw("abc\rxy") == "xy")
        #expect(TerminalText.finalRedraw("abcd\u{08}\u{08}X") == "abX")
        #expect(TerminalText.finalRedraw("\u{1B}]0;evil title\u{07}ok\u{1B}(B \u{1B}[31mred\u{1B}[0m") == "ok red")
        #expect(TerminalText.finalRedraw("plain\ttext") == "plain\ttext")
        // The escape reading shared with Sanitize: a title cut short by the next sequence loses only
        // the title; C1 introducers start sequences too.
        #expect(TerminalText.finalRedraw("\u{1B}]0;title\u{1B}[31mred\u{1B}[0m") == "red")
        #expect(TerminalText.finalRedraw("\u{9B}31mred\u{9D}0;t\u{9C} ok") == "red ok")
    }
}

/// The built-in trainer's console log, as `aiarts-train` prints it (Sources/aiarts-train/TrainCommand.swift).
@Suite struct AIArtsTrainLogMetricsTests {
    static let log = """
        D0001: 210 train / 60 val images, 3 labels (circle, square, triangle); decoded in 0.28s
        model: cnn [8, 16] at 16x16, 2163 parameters; adam lr 0.01 (cosine), batch 16, 2 worker threads
        epoch 1/2 step 3/28 loss 1.6415 lr 0.0098746 (198 img/s)
        epoch 1/2 step 14/28 loss 1.1879 lr 0.0055598 (174 img/s)
        eval epoch 1: acc1 46.67% acc5 100.00% val_loss 1.0304 on 60 images
        checkpoint epoch 1: /ws/tasks/T0001/checkpoints/epoch_1 (best so far)
        epoch 2/2 step 17/28 loss 1.1144 lr 0.0038874 (179 img/s)
        checkpoint epoch 2 (mid-epoch): /ws/tasks/T0001/checkpoints/epoch_2_step_17
        stopped in epoch 2 at step 17
        done: 2 epochs, 28 steps in 3.1s; val acc1 46.67% (best 46.67%)
        """

    @Test func lossLrEvaluationsAndCheckpointsNotTheHeaderLines() {
        var parser = AIArtsTrainLogParser()
        let records = parser.feed(lines: Self.log.components(separatedBy: "\n"))
        #expect(records.count == 6)
        #expect(records[0].kind == .train && records[0].step == 3 && records[0].steps == 28 && records[0].epoch == 1 && records[0].epochs == 2)
        #expect(records[0].values.map(\.name) == ["train/loss", "train/lr"])
        #expect(records[0]["train/loss"] == 1.6415 && records[0]["train/lr"] == 0.0098746)
        #expect(records[2].kind == .eval && records[2].step == 14 && records[2].epoch == 1)
        #expect(records[2].values.map(\.name) == ["eval/acc1", "eval/acc5", "eval/val_loss"])
        #expect(abs(records[2]["eval/acc1"]! - 0.4667) < 1e-12 && records[2]["eval/acc5"] == 1 && records[2]["eval/val_loss"] == 1.0304)
        #expect(records[3].checkpoint == MetricCheckpoint(epoch: 1, path: "/ws/tasks/T0001/checkpoints/epoch_1", best: true))
        #expect(records[5].checkpoint == MetricCheckpoint(epoch: 2, step: 17, path: "/ws/tasks/T0001/checkpoints/epoch_2_step_17"))
        // Nothing is named after the dataset or the `done` line.
        #expect(!records.flatMap(\.values).contains { $0.name.contains("D0001") || $0.name.contains("done") })
    }

    @Test func theDetectorKnowsIt() {
        let lines = Self.log.components(separatedBy: "\n")
        #expect(LogFormatDetector.detect(lines: lines) == .aiartsTrain)
        var auto = AutoLogParser()
        let records = auto.feed(lines: lines) + auto.finish()
        #expect(auto.format == .aiartsTrain)
        #expect(!records.flatMap(\.values).contains { $0.name.contains("D0001") })
    }
}

/// transformers 5 prints the logged dict's values quoted.
@Suite struct QuotedHuggingFaceValuesTests {
    @Test func quotedNumbersAreRead() {
        var parser = HuggingFaceLogParser()
        let records = parser.feed(lines: [
            "{'loss': '19.85', 'grad_norm': '3.1', 'learning_rate': '4.9e-05', 'epoch': '0.5'}",
            "{'eval_loss': '18.2', 'eval_runtime': '1.2', 'epoch': '1.0'}",
            "{'loss': 'nan-ish', 'epoch': '1.5', 'note': 'text stays out'}",
        ])
        #expect(records.count == 2)
        #expect(records[0].kind == .train && records[0].epoch == 0.5)
        #expect(records[0]["train/loss"] == 19.85 && records[0]["train/lr"] == 4.9e-05 && records[0]["train/grad_norm"] == 3.1)
        #expect(records[1].kind == .eval && records[1]["eval/loss"] == 18.2 && records[1].epoch == 1)
    }
}

