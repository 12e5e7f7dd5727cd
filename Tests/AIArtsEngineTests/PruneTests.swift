import Foundation
import Testing
@testable import AIArtsEngine

/// Pruning's rules (Sources/AIArtsEngine/Pruning, docs/pruning.md): ratios, the per-layer choice from
/// an analysis, the analysis file, and how a detached analysis is read back. Torch is not needed here:
/// trainers/torch/test_aiarts_prune.py and e2e/prune.sh run the script itself.
@Suite struct PruneTests {
    @Test func ratiosAreParsedSortedAndChecked() throws {
        #expect(try PruneRatios.parseList("0.3, 0.1,0.3") == [0.1, 0.3])
        #expect(try PruneRatios.parseList("0.5") == [0.5])
        #expect(try PruneRatios.parse(" 0.25 ") == 0.25)
        for bad in ["0", "1", "1.5", "-0.2", "x", "nan", "inf"] {
            let error = #expect(throws: AIArtsError.self) { try PruneRatios.parse(bad) }
            #expect(error?.kind == .invalidArgument)
        }
        #expect(throws: AIArtsError.self) { try PruneRatios.parseList(" , ") }
        #expect(throws: AIArtsError.self) { try PruneRatios.parseList("0.1,abc") }
        let many = (1...60).map { String(Double($0) / 100) }.joined(separator: ",")
        let tooMany = #expect(throws: AIArtsError.self) { try PruneRatios.parseList(many) }
        #expect(tooMany?.message.contains("at most 50") == true)
        #expect(try PruneRatios.parseMaxDrop("0.02") == 0.02)
        #expect(try PruneRatios.parseMaxDrop("0") == 0)
        for bad in ["-0.01", "nan", "", "a"] { #expect(throws: AIArtsError.self) { try PruneRatios.parseMaxDrop(bad) } }
        #expect(PruneRatios.analysisDefault.count == 9)
    }

    static func analysis(ratios: [Double], drops: [String: [Double?]]) -> SensitivityAnalysis {
        SensitivityAnalysis(format: SensitivityAnalysis.formatName, model: "resnet18", type: "classification", metric: "acc1",
                            split: "val", images: 10, checkpoint: "/c/model.pt", epoch: 3, inputSize: 32, ratios: ratios,
                            baseline: 0.8,
                            layers: drops.keys.sorted().map { name in
                                SensitivityAnalysis.Layer(name: name, channels: 64, layers: [name], metrics: drops[name]!.map { $0.map { 0.8 - $0 } },
                                                          drops: drops[name]!)
                            }, seconds: 1, time: 0)
    }

    @Test func eachLayerTakesTheLargestRatioWhoseDropAndEverySmallerOnesStayWithinTheBound() {
        let a = Self.analysis(ratios: [0.1, 0.2, 0.3], drops: [
            "gentle": [0.0, 0.01, 0.05],       // 0.3 costs too much: 0.2
            "fragile": [0.03, 0.04, 0.05],     // even 0.1 costs too much: kept whole
            "unknown": [0.0, nil, 0.0],        // no number at 0.2: stops at 0.1
            "noisy": [0.0, 0.05, 0.0],         // a dip after a costly ratio does not count: 0.1
            "robust": [-0.01, 0.0, 0.02],      // a negative drop (it got better) is within any bound: 0.3
        ])
        #expect(PruneRatios.choose(from: a, maxDrop: 0.02) == ["gentle": 0.2, "unknown": 0.1, "noisy": 0.1, "robust": 0.3])
        #expect(PruneRatios.choose(from: a, maxDrop: 0) == ["gentle": 0.1, "unknown": 0.1, "noisy": 0.1, "robust": 0.2])
        #expect(PruneRatios.choose(from: a, maxDrop: 1)["fragile"] == 0.3)
        // Ratios stored out of order are walked smallest first.
        let shuffled = Self.analysis(ratios: [0.3, 0.1, 0.2], drops: ["l": [0.05, 0.0, 0.01]])
        #expect(PruneRatios.choose(from: shuffled, maxDrop: 0.02) == ["l": 0.2])
    }

    @Test func anAnalysisFileIsReadBackAndABrokenOneIsExplained() throws {
        let folder = TempFolder("aiarts-prune")
        let url = folder.url.appendingPathComponent("sensitivity.json")
        let a = Self.analysis(ratios: [0.1, 0.5], drops: ["conv1": [0.0, 0.2]])
        try JSONEncoder().encode(a).write(to: url)
        #expect(try SensitivityAnalysis.read(url) == a)

        try Data("{\"format\": 1".utf8).write(to: url)
        let corrupt = #expect(throws: AIArtsError.self) { try SensitivityAnalysis.read(url) }
        #expect(corrupt?.message.contains("is not a sensitivity analysis aiarts can read") == true)

        var wrong = a
        wrong.layers[0].drops = [0.1]
        try JSONEncoder().encode(wrong).write(to: url)
        let mismatch = #expect(throws: AIArtsError.self) { try SensitivityAnalysis.read(url) }
        #expect(mismatch?.message.contains("do not match its 2 ratios") == true)

        var other = a
        other.format = "something-else"
        try JSONEncoder().encode(other).write(to: url)
        #expect(throws: AIArtsError.self) { try SensitivityAnalysis.read(url) }
    }

    final class Sandbox {
        let folder = TempFolder("aiarts-prune-ws")
        let ws: Workspace
        let task: TaskRecord

        init() throws {
            ws = try Workspace(root: folder.url, gpuProbe: .none)
            let project = try ws.createProject(name: "p", type: .classification)
            task = try ws.createTask(TaskSpec(projectID: project.id, origin: .trainer(.command), params: ["command": "true"]))
        }

        var prune: URL { ws.pruneFolder(task.id) }

        /// analysis.json of a run whose process has ended (a pid with a start time no process has).
        func endedRun(stopRequested: Bool = false, started: Date = Date().addingTimeInterval(-60)) throws {
            try FileManager.default.createDirectory(at: prune, withIntermediateDirectories: true)
            let run = PruneAnalysisRun(pid: getpid(), startTime: 1, started: started, ratios: [0.1, 0.5],
                                       checkpoint: "/c/model.pt", epoch: 2, stopRequested: stopRequested)
            try PruneFiles.writeJSON(run, to: prune.appendingPathComponent(PruneFiles.stateName))
        }

        func write(_ name: String, _ text: String) throws {
            try Data(text.utf8).write(to: prune.appendingPathComponent(name))
        }
    }

    @Test func theStatusOfAnAnalysisIsReadFromItsFiles() throws {
        let box = try Sandbox()
        let id = box.task.id
        #expect(try box.ws.pruneAnalysisStatus(id).state == .none)
        #expect(try box.ws.pruneAnalysis(id) == nil)

        // Failed: the script's one-line reason, progress from the log.
        try box.endedRun()
        try box.write(PruneFiles.logName, "analysis: resnet18\nprogress 3/24 layer1.0.conv1 0.5 0.250000\nerror: the dataset has no val split (or none of it is labelled): split it\n")
        try box.write(PruneFiles.exitName, "exit=1\n")
        var status = try box.ws.pruneAnalysisStatus(id)
        #expect(status.state == .failed)
        #expect(status.message.hasPrefix("failed: the dataset has no val split"))
        #expect(status.done == 3 && status.total == 24)
        #expect(status.ratios == [0.1, 0.5] && status.checkpoint == "/c/model.pt")

        // A crash without an error line: its last line.
        try box.write(PruneFiles.logName, "Traceback (most recent call last):\nRuntimeError: boom\n")
        #expect(try box.ws.pruneAnalysisStatus(id).message.hasPrefix("failed: RuntimeError: boom"))

        // Done: exit 0 and a result written after the start.
        try box.write(PruneFiles.exitName, "exit=0\n")
        let a = Self.analysis(ratios: [0.1, 0.5], drops: ["conv1": [0.0, 0.2]])
        try JSONEncoder().encode(a).write(to: box.prune.appendingPathComponent(PruneFiles.sensitivityName))
        status = try box.ws.pruneAnalysisStatus(id)
        #expect(status.state == .done)
        #expect(status.result == box.prune.appendingPathComponent(PruneFiles.sensitivityName).path)
        #expect(try box.ws.pruneAnalysis(id) == a)

        // A result older than the run is an earlier run's: exit 0 alone is not success.
        try box.endedRun(started: Date().addingTimeInterval(3600))
        #expect(try box.ws.pruneAnalysisStatus(id).state == .failed)

        // Stopped: asked for, or the supervisor passed a stop signal on.
        try box.endedRun(stopRequested: true)
        #expect(try box.ws.pruneAnalysisStatus(id).state == .stopped)
        try box.endedRun()
        try box.write(PruneFiles.exitName, "signal=15\nstop_signals=TERM\n")
        #expect(try box.ws.pruneAnalysisStatus(id).state == .stopped)
        let notRunning = #expect(throws: AIArtsError.self) { try box.ws.stopPruneAnalysis(id) }
        #expect(notRunning?.kind == .conflict)
    }

    @Test func theScriptsWrittenForARunAreTheRepositorysFiles() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = TempFolder("aiarts-prune-scripts")
        try PruneFiles.writeScripts(into: folder.url)
        for (name, source) in [(PruneFiles.scriptName, "Sources/AIArtsEngine/Python/aiarts_prune.py"),
                               (TorchTrainer.scriptFileName, "Sources/AIArtsEngine/Tasks/Torch/aiarts_torch.py")] {
            let written = try Data(contentsOf: folder.url.appendingPathComponent(name))
            #expect(written == (try Data(contentsOf: repository.appendingPathComponent(source))), "\(name)")
        }
    }

    @Test func onlyTorchTasksArePruned() throws {
        let box = try Sandbox()
        let refused = #expect(throws: AIArtsError.self) { try box.ws.startPruneAnalysis(box.task.id) }
        #expect(refused?.message == "\(box.task.id) is a command task; pruning works on torch tasks (docs/pruning.md)")
        let notDerived = #expect(throws: AIArtsError.self) {
            try box.ws.createPrunedTask(TaskSpec(projectID: box.task.projectId, origin: .trainer(.torch)), plan: .ratio(0.3))
        }
        #expect(notDerived?.message.contains("give --from TASK") == true)
        let derived = #expect(throws: AIArtsError.self) {
            try box.ws.createPrunedTask(TaskSpec(projectID: box.task.projectId, origin: .derived(from: box.task.id, epoch: nil)), plan: .ratio(0.3))
        }
        #expect(derived?.message.contains("pruning works on torch tasks") == true)
        #expect(try box.ws.tasks().count == 1)
    }
}
