import AIArtsEngine
import Foundation
import Testing
@testable import AIArtsTrain

/// Checkpoint retention, fine-tuning from another run's weights and training on to more epochs:
/// `swift test --filter TrainingLifecycleTests`.
@Suite(.serialized)
struct TrainingLifecycleTests {
    let fixture = ShapesFixture.shared

    func checkpointFolders(_ task: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: task.appendingPathComponent("checkpoints").path)) ?? [])
            .sorted { $0.compare($1, options: .numeric) == .orderedAscending }
    }

    @Test func keepCheckpointsKeepsTheLastNAndTheBest() throws {
        let task = fixture.taskDir()
        defer { try? FileManager.default.removeItem(at: task) }
        var config = fixture.config(task, epochs: 6)
        config.keepCheckpoints = 2
        _ = try Trainer.run(config)
        let lines = try metricLines(task).filter { $0["type"] as? String == "checkpoint" }
        let best = try #require(lines.last { $0["best"] as? Bool == true }?["path"] as? String)
        let expected = Set(["checkpoints/epoch_5", "checkpoints/epoch_6", best]).map { String($0.dropFirst("checkpoints/".count)) }
        #expect(Set(checkpointFolders(task)) == Set(expected), "nothing hidden is left either")
        // Every line is still there: the record of what was written is not rewritten.
        #expect(lines.count == 6)
        // 0 keeps all.
        let all = fixture.taskDir()
        defer { try? FileManager.default.removeItem(at: all) }
        _ = try Trainer.run(fixture.config(all, epochs: 3))
        #expect(checkpointFolders(all) == ["epoch_1", "epoch_2", "epoch_3"])
    }

    @Test func initFromStartsAFreshRunFromAnotherRunsWeights() throws {
        let parent = fixture.taskDir(), child = fixture.taskDir()
        defer { for t in [parent, child] { try? FileManager.default.removeItem(at: t) } }
        _ = try Trainer.run(fixture.config(parent, epochs: 3))
        let weights = try Checkpoint.load(from: parent.appendingPathComponent("checkpoints/epoch_3"))

        var config = fixture.config(child, epochs: 2)
        config.learningRate = 1e-9  // so small that the weights barely move: they must be the parent's
        config.initFrom = parent.appendingPathComponent("checkpoints/epoch_3")
        let result = try Trainer.run(config)
        #expect(result.finished && result.epoch == 2 && result.globalStep == 2 * 6)
        let lines = try metricLines(child)
        #expect(lines.filter { $0["type"] as? String == "train" }.first?["epoch"] as? Int == 1)
        let after = try Checkpoint.load(from: child.appendingPathComponent("checkpoints/epoch_2"))
        let drift = zip(after.network.parameters, weights.network.parameters).map { abs($0 - $1) }.max() ?? .infinity
        #expect(drift < 1e-3)
        // A fresh optimizer: its state restarts (epoch 2 of this run, not 5).
        #expect(after.state?.epoch == 2 && after.state?.globalStep == 12)
        // And it scores like the parent from its first eval on, not like a random network.
        let parentAcc = try #require(lines.first { $0["type"] as? String == "eval" }?["acc1"] as? Double)
        let original = try metricLines(parent).last { $0["type"] as? String == "eval" }?["acc1"] as? Double
        #expect(parentAcc == original)

        // Weights of another shape are refused with the reason.
        var other = fixture.config(fixture.taskDir(), epochs: 1)
        other.imageSize = 24
        other.initFrom = config.initFrom
        #expect(throws: TrainError.self) { try Trainer.run(other) }
        var both = config
        both.resumeFrom = config.initFrom
        #expect(throws: TrainError.self) { try Trainer.run(both) }
    }

    @Test func resumingWithMoreEpochsTrainsOn() throws {
        let task = fixture.taskDir()
        defer { try? FileManager.default.removeItem(at: task) }
        _ = try Trainer.run(fixture.config(task, epochs: 2))
        var more = fixture.config(task, epochs: 4)
        more.resumeFrom = task.appendingPathComponent("checkpoints/epoch_2")
        let result = try Trainer.run(more)
        #expect(result.finished && result.epoch == 4)
        #expect(checkpointFolders(task) == ["epoch_1", "epoch_2", "epoch_3", "epoch_4"])
        #expect(try metricLines(task).last { $0["type"] as? String == "train" }?["epochs"] as? Int == 4)
    }
}
