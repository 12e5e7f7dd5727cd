import AIArtsEngine
import Foundation
import Testing
@testable import AIArtsTrain

/// A small demo workspace shared by the tests (made once; the tests only read it): 60 shapes
/// images, train 42 / val 12 / test 6, as D0001, and a detection dataset as D0002.
final class ShapesFixture: Sendable {
    static let shared = ShapesFixture()
    let root: URL
    let classification: String
    let detection: String

    init() {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-train-fixture-\(UUID().uuidString)")
        let result = try! ShapesDemo.create(in: try! Workspace(root: root), classificationImages: 60, detectionImages: 6)
        classification = result.classification
        detection = result.detection
    }

    /// A fresh task folder.
    func taskDir() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-train-task-\(UUID().uuidString)")
    }

    /// Small and fast enough for a debug build: 16 px images, batches of 8, two workers.
    func config(_ task: URL, epochs: Int) -> TrainConfig {
        var c = TrainConfig(workspace: root, dataset: classification, taskDir: task)
        c.epochs = epochs
        c.batchSize = 8
        c.imageSize = 16
        c.learningRate = 0.01
        c.workers = 2
        c.metricsURL = task.appendingPathComponent("metrics.jsonl")
        return c
    }
}

/// Every metrics line of a task, parsed (a line that is not a JSON object fails the test).
func metricLines(_ task: URL) throws -> [[String: Any]] {
    let text = try String(contentsOf: task.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
    return try text.split(separator: "\n").map { line in
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
    }
}

@Suite(.serialized)
struct TrainingTests {
    let fixture = ShapesFixture.shared

    @Test func trainsLossFallsCheckpointsLoadAndMetricsParse() throws {
        let task = fixture.taskDir()
        defer { try? FileManager.default.removeItem(at: task) }
        let result = try Trainer.run(fixture.config(task, epochs: 4))
        #expect(result.finished)
        #expect(result.epoch == 4)
        #expect(result.globalStep == 4 * 6)  // 42 train images in batches of 8

        let lines = try metricLines(task)
        let train = lines.filter { $0["type"] as? String == "train" }
        #expect(train.allSatisfy { $0["epochs"] as? Int == 4 && $0["steps"] as? Int == 24 && $0["time"] is Double })
        #expect(train.map { $0["step"] as! Int } == Array(1...24))
        func meanLoss(_ epoch: Int) -> Double {
            let l = train.filter { $0["epoch"] as? Int == epoch }.map { $0["loss"] as! Double }
            return l.reduce(0, +) / Double(l.count)
        }
        #expect(meanLoss(4) < meanLoss(1))
        let evals = lines.filter { $0["type"] as? String == "eval" }
        #expect(evals.map { $0["epoch"] as! Int } == [1, 2, 3, 4])
        #expect(evals.allSatisfy { ($0["acc1"] as! Double) >= 0 && ($0["acc5"] as! Double) == 1 })
        // Evaluations sit at the step their epoch ended, and every line has a time (the UI's time axis).
        #expect(evals.map { $0["step"] as! Int } == [6, 12, 18, 24])
        #expect(lines.allSatisfy { ($0["time"] as? Double ?? 0) > 1_700_000_000 })
        let checkpoints = lines.filter { $0["type"] as? String == "checkpoint" }
        #expect(checkpoints.map { $0["path"] as! String } == (1...4).map { "checkpoints/epoch_\($0)" })
        #expect(checkpoints.first?["best"] as? Bool == true)

        for epoch in 1...4 {
            let loaded = try Checkpoint.load(from: task.appendingPathComponent("checkpoints/epoch_\(epoch)"))
            #expect(loaded.labels == ["circle", "square", "triangle"])
            #expect(loaded.state?.epoch == epoch)
            #expect(loaded.network.spec.imageSize == 16)
        }
    }

    @Test func resumeContinuesNumberingAndMatchesAnUninterruptedRun() throws {
        let straight = fixture.taskDir(), split = fixture.taskDir()
        defer { try? FileManager.default.removeItem(at: straight); try? FileManager.default.removeItem(at: split) }
        _ = try Trainer.run(fixture.config(straight, epochs: 3))

        // Stop during epoch 2's last step: the loop finishes the epoch, saves epoch_2 and returns.
        let stop = StopSignal()
        let first = try Trainer.run(fixture.config(split, epochs: 3), stop: stop) { event in
            if case let .progress(epoch, _, step, _, _, _, _) = event, epoch == 2, step == 12 { stop.request() }
        }
        #expect(!first.finished)
        #expect(first.epoch == 2)
        var resume = fixture.config(split, epochs: 3)
        resume.resumeFrom = split.appendingPathComponent("checkpoints/epoch_2")
        let second = try Trainer.run(resume)
        #expect(second.finished)

        let lines = try metricLines(split)
        let steps = lines.filter { $0["type"] as? String == "train" }.map { $0["step"] as! Int }
        #expect(steps == Array(1...18))
        #expect(lines.filter { $0["type"] as? String == "eval" }.map { $0["epoch"] as! Int } == [1, 2, 3])
        // The shuffle is replayed from the seed and the optimizer state is restored: same weights.
        let a = try Checkpoint.load(from: straight.appendingPathComponent("checkpoints/epoch_3"))
        let b = try Checkpoint.load(from: split.appendingPathComponent("checkpoints/epoch_3"))
        #expect(a.network.parameters == b.network.parameters)
    }

    @Test func stopMidEpochWritesACheckpointThatResumesExactly() throws {
        let straight = fixture.taskDir(), stopped = fixture.taskDir()
        defer { try? FileManager.default.removeItem(at: straight); try? FileManager.default.removeItem(at: stopped) }
        _ = try Trainer.run(fixture.config(straight, epochs: 2))

        let stop = StopSignal()
        let first = try Trainer.run(fixture.config(stopped, epochs: 2), stop: stop) { event in
            if case let .progress(_, _, step, _, _, _, _) = event, step == 8 { stop.request() }
        }
        #expect(!first.finished)
        let partial = try #require(first.lastCheckpoint)
        #expect(partial.lastPathComponent == "epoch_2_step_8")
        let state = try #require(try Checkpoint.load(from: partial).state)
        #expect(state.epoch == 2 && state.stepInEpoch == 2 && !state.isEpochComplete)

        var resume = fixture.config(stopped, epochs: 2)
        resume.resumeFrom = partial
        #expect(try Trainer.run(resume).finished)
        let lines = try metricLines(stopped)
        #expect(lines.contains { $0["type"] as? String == "checkpoint" && $0["partial"] as? Bool == true })
        #expect(lines.filter { $0["type"] as? String == "train" }.map { $0["step"] as! Int } == Array(1...12))
        let a = try Checkpoint.load(from: straight.appendingPathComponent("checkpoints/epoch_2"))
        let b = try Checkpoint.load(from: stopped.appendingPathComponent("checkpoints/epoch_2"))
        #expect(a.network.parameters == b.network.parameters)
    }

    @Test func evalAndPredictUseTheCheckpoint() throws {
        let task = fixture.taskDir()
        defer { try? FileManager.default.removeItem(at: task) }
        var config = fixture.config(task, epochs: 2)
        config.model = .mlp
        config.optimizer = .sgd
        _ = try Trainer.run(config)
        let checkpoint = try Checkpoint.load(from: task.appendingPathComponent("checkpoints/epoch_2"))
        #expect(checkpoint.network.spec.architecture == .mlp)
        #expect(checkpoint.optimizer?.kind == .sgd)

        let workspace = try Workspace(root: fixture.root)
        let report = try Evaluator.evaluate(checkpoint: checkpoint, workspace: workspace, dataset: fixture.classification, split: .test)
        #expect(report.count == 6)
        #expect(report.confusion.flatMap { $0 }.reduce(0, +) == 6)
        #expect(report.perClass.map(\.count).reduce(0, +) == 6)
        #expect(report.accTopK == 1)  // top-3 of 3 classes

        let (content, folder) = try workspace.content(fixture.classification)
        let image = folder.appendingPathComponent(content.samples[0].path).path
        let predictions = Predictor(checkpoint: checkpoint).predict(paths: [image, "/nonexistent.png"], topK: 2)
        #expect(predictions.count == 2)
        #expect(predictions[0].top.count == 2)
        #expect(["circle", "square", "triangle"].contains(predictions[0].top[0].label))
        #expect(predictions[0].top[0].probability >= predictions[0].top[1].probability)
        #expect(predictions[1].error != nil)
    }

    @Test func refusesOtherDatasetTypesAndMismatchedResumes() throws {
        let task = fixture.taskDir()
        defer { try? FileManager.default.removeItem(at: task) }
        var config = fixture.config(task, epochs: 1)
        config.dataset = fixture.detection
        #expect { try Trainer.run(config) } throws: { "\($0)".contains("classification only") }

        _ = try Trainer.run(fixture.config(task, epochs: 1))
        var resume = fixture.config(task, epochs: 2)
        resume.resumeFrom = task.appendingPathComponent("checkpoints/epoch_1")
        resume.imageSize = 24
        #expect { try Trainer.run(resume) } throws: { "\($0)".contains("image-size 16") }
        resume.imageSize = nil
        resume.epochs = 1
        #expect { try Trainer.run(resume) } throws: { "\($0)".contains("finished epoch 1") }
    }
}
