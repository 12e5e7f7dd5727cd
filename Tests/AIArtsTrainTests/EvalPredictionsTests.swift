import AIArtsEngine
import Foundation
import Testing
@testable import AIArtsTrain

/// `aiarts-train eval` also hands its predictions to the engine, which must score them as the
/// trainer's own report does.
@Suite struct EvalPredictionsTests {
    let fixture = ShapesFixture.shared

    @Test func predictionsFileScoresLikeTheTrainersReport() throws {
        let task = fixture.taskDir()
        defer { try? FileManager.default.removeItem(at: task) }
        var config = fixture.config(task, epochs: 1)
        config.model = .mlp
        _ = try Trainer.run(config)
        let checkpoint = try Checkpoint.load(from: task.appendingPathComponent("checkpoints/epoch_1"))
        let workspace = try Workspace(root: fixture.root)

        let (report, predictions) = try Evaluator.evaluateWithPredictions(
            checkpoint: checkpoint, workspace: workspace, dataset: fixture.classification, split: .val, topK: 2, epoch: 1)
        #expect(predictions.header.task == .classification)
        #expect(predictions.header.labels == checkpoint.labels)
        #expect(predictions.header.epoch == 1)
        #expect(predictions.entries.count == report.count)
        #expect(predictions.entries.allSatisfy { $0.labels.count == 3 && $0.labels[0].score >= $0.labels[1].score })

        let url = task.appendingPathComponent("eval/predictions.jsonl")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try predictions.write(to: url)
        var options = EvaluationOptions()
        options.topk = 2
        let scored = try Evaluation.evaluate(workspace: workspace, dataset: fixture.classification, split: .val,
                                             predictions: url, options: options)
        #expect(scored.samples == report.count)
        #expect(scored.predicted == report.count)
        #expect(abs((scored.metrics["acc1"] ?? -1) - report.acc1) < 1e-12)
        #expect(abs((scored.metrics["acc2"] ?? -1) - report.accTopK) < 1e-12)
        #expect(scored.classification?.confusion == report.confusion)
    }
}
