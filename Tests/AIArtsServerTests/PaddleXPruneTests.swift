@testable import AIArtsEngine
@testable import AIArtsServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// PaddleX's /project/task/prune (docs/pruning.md, docs/api.md): PruneStatus, a finished analysis'
/// result, stop, and the refusals; metrics of type sensitivities and prune. The analysis itself
/// (torch) runs in e2e/prune.sh: here its files are written as a finished, failed or stopped run leaves them.
@Suite struct PaddleXPruneTests {
    static func call(_ client: any TestClientProtocol, _ fixture: ServerFixture, _ method: HTTPRequest.Method,
                     _ body: [String: Any], path: String = "/project/task/prune", as role: UserRole = .admin) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await PaddleXTests.call(client, fixture, method, path, body, as: role)
    }

    /// A project with a command task (T0001), and the files of an ended analysis of it.
    static func task(_ fixture: ServerFixture) throws -> String {
        let project = try fixture.workspace.createProject(name: "p", type: .classification)
        return try fixture.workspace.createTask(TaskSpec(projectID: project.id, origin: .trainer(.command), params: ["command": "true"])).id
    }

    static func endedAnalysis(_ fixture: ServerFixture, _ id: String, exit: String, log: String, result: Bool, stopRequested: Bool = false) throws {
        let folder = fixture.workspace.pruneFolder(id)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try PruneFiles.writeJSON(PruneAnalysisRun(pid: getpid(), startTime: 1, started: Date().addingTimeInterval(-60), ratios: [0.2, 0.4],
                                                  checkpoint: "/c/model.pt", epoch: 1, stopRequested: stopRequested),
                                 to: folder.appendingPathComponent(PruneFiles.stateName))
        try Data(exit.utf8).write(to: folder.appendingPathComponent(PruneFiles.exitName))
        try Data(log.utf8).write(to: folder.appendingPathComponent(PruneFiles.logName))
        if result {
            let analysis = SensitivityAnalysis(
                format: SensitivityAnalysis.formatName, model: "resnet18", type: "classification", metric: "acc1", split: "val",
                images: 8, checkpoint: "/c/model.pt", epoch: 1, inputSize: 32, ratios: [0.2, 0.4], baseline: 0.75,
                layers: [.init(name: "conv1", channels: 64, layers: ["conv1", "layer1.0.conv2"], metrics: [0.75, 0.5], drops: [0, 0.25])],
                seconds: 2, time: 0)
            try PruneFiles.writeJSON(analysis, to: folder.appendingPathComponent(PruneFiles.sensitivityName))
        }
    }

    @Test func pruneStatusFollowsTheAnalysis() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let tid = try Self.task(fixture)
        #expect(PaddleXPruneRoutes.PruneStatus.allCases.map(\.rawValue) == [0, 1, 2, 3, 4])
        try await fixture.test { client in
            let (none, answer) = try await Self.call(client, fixture, .get, ["tid": tid], as: .viewer)
            #expect(none == .notFound && answer["status"] as? Int == -1)
            #expect((answer["message"] as? String)?.contains("POST /paddlex/project/task/prune") == true)

            try Self.endedAnalysis(fixture, tid, exit: "exit=0\n", log: "progress 2/2 conv1 0.4 0.500000\n", result: true)
            let (ok, done) = try await Self.call(client, fixture, .get, ["tid": tid], as: .viewer)
            #expect(ok == .ok && done["status"] as? Int == 1 && done["prune_status"] as? Int == 2)
            #expect(done["progress"] as? [String: Int] == ["done": 2, "total": 2])
            #expect(done["ratios"] as? [Double] == [0.2, 0.4])
            let result = try #require(done["sensitivities"] as? [String: Any])
            #expect(result["metric"] as? String == "acc1" && (result["layers"] as? [[String: Any]])?.first?["name"] as? String == "conv1")

            let (_, metrics) = try await Self.call(client, fixture, .get, ["tid": tid, "type": "sensitivities"], path: "/project/task/metrics", as: .viewer)
            #expect((metrics["sensitivities_loss_img"] as? [String: Any])?["baseline"] as? Double == 0.75)
            let (notPruned, _) = try await Self.call(client, fixture, .get, ["tid": tid, "type": "prune"], path: "/project/task/metrics", as: .viewer)
            #expect(notPruned == .notFound)

            try Self.endedAnalysis(fixture, tid, exit: "exit=1\n", log: "error: the dataset has no val split\n", result: false)
            try FileManager.default.removeItem(at: fixture.workspace.pruneFolder(tid).appendingPathComponent(PruneFiles.sensitivityName))
            let (_, failed) = try await Self.call(client, fixture, .get, ["tid": tid])
            #expect(failed["prune_status"] as? Int == 3 && (failed["message"] as? String)?.hasPrefix("failed: the dataset has no val split") == true)
            #expect(failed["sensitivities"] == nil)

            try Self.endedAnalysis(fixture, tid, exit: "signal=15\nstop_signals=TERM\n", log: "progress 1/2 conv1 0.2 0.7\n", result: false, stopRequested: true)
            let (_, stopped) = try await Self.call(client, fixture, .get, ["tid": tid])
            #expect(stopped["prune_status"] as? Int == 4)
        }
    }

    @Test func refusalsSayWhatToDo() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let tid = try Self.task(fixture)
        try await fixture.test { client in
            let refusals: [(HTTPRequest.Method, [String: Any], HTTPResponse.Status, String)] = [
                (.post, ["tid": tid], .badRequest, "pruning works on torch tasks"),
                (.post, ["tid": tid, "ratios": [0.5, 1.5]], .badRequest, "ratio 1.5 is outside (0, 1)"),
                (.post, ["tid": tid, "ratios": "0.1,x"], .badRequest, "is not a number"),
                (.post, ["tid": tid, "ratios": [true]], .badRequest, "ratios must be numbers"),
                (.post, ["tid": "P0001"], .badRequest, "tid must be an id like T0001"),
                (.post, ["tid": "T0099"], .notFound, "T0099"),
                (.put, ["tid": tid, "act": "pause"], .badRequest, "act must be stop"),
                (.put, ["tid": tid, "act": "stop"], .conflict, "has no analysis running"),
            ]
            for (method, body, expected, text) in refusals {
                let (status, answer) = try await Self.call(client, fixture, method, body)
                #expect(status == expected, "\(method) \(body)")
                #expect(answer["status"] as? Int == -1 && (answer["message"] as? String)?.contains(text) == true, "\(method) \(body): \(answer)")
            }
            let (forbidden, _) = try await Self.call(client, fixture, .post, ["tid": tid], as: .viewer)
            #expect(forbidden == .forbidden)
            #expect(!FileManager.default.fileExists(atPath: fixture.workspace.pruneFolder(tid).path))
        }
    }

    @Test func ratiosAreTakenAsAListOrText() throws {
        #expect(try PaddleXPruneRoutes.ratios([:]) == PruneRatios.analysisDefault)
        #expect(try PaddleXPruneRoutes.ratios(["ratios": NSNull()]) == PruneRatios.analysisDefault)
        #expect(try PaddleXPruneRoutes.ratios(["ratios": [0.5, 0.1, 0.5]]) == [0.1, 0.5])
        #expect(try PaddleXPruneRoutes.ratios(["ratios": "0.3,0.2"]) == [0.2, 0.3])
        #expect(throws: (any Error).self) { try PaddleXPruneRoutes.ratios(["ratios": 0.5]) }
    }
}
