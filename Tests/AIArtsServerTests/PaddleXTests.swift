import AIArtsEngine
@testable import AIArtsServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The PaddleX dialect under /paddlex: its status enums, parameters sent as a JSON body on GET,
/// `status` 1 / -1, permissions, confinement of paths, and the routes over the engine.
@Suite struct PaddleXTests {
    /// Sends `method path` with `body` as JSON (a GET too, as PaddleX's clients do) as `role`.
    static func call(_ client: any TestClientProtocol, _ fixture: ServerFixture, _ method: HTTPRequest.Method, _ path: String,
                     _ body: [String: Any]? = nil, as role: UserRole = .admin) async throws -> (HTTPResponse.Status, [String: Any]) {
        let response = try await client.execute(uri: "/paddlex" + path, method: method, headers: fixture.headers(role, json: body != nil),
                                                 body: body.map { ByteBuffer.json($0) })
        return (response.status, response.json)
    }

    // MARK: the status enums (data_struct.md) and the one mapping of each aiarts state

    @Test func datasetStatesMapOntoDatasetStatus() {
        let expected: [(String, String?, Int)] = [
            ("empty", nil, 0), ("checking", nil, 1), ("checked", nil, 1), ("check_failed", nil, 2), ("copying", nil, 3),
            ("copied", nil, 4), ("copied", "imported", 4), ("registered", nil, 4), ("copied", "random", 6), ("registered", "random", 6),
            ("cancelled", nil, 5), ("nonsense", nil, 5),
        ]
        for (status, split, value) in expected {
            #expect(PaddleX.datasetStatus(status: status, splitSource: split).rawValue == value, "\(status) \(split ?? "-")")
        }
        #expect(PaddleX.DatasetStatus.allCases.count == 7 && PaddleX.DatasetStatus.xSplited.rawValue == 6)
    }

    @Test func taskStatesMapOntoTaskStatus() {
        let expected: [(AIArtsEngine.TaskStatus, PaddleX.TaskStatus)] = [
            (.created, .xInit), (.waitingGPU, .xDownloading), (.pending, .xDownloading), (.starting, .xTraining), (.running, .xTraining), (.paused, .xTraining),
            (.stopping, .xTrainExit), (.stopped, .xTrainExit), (.finished, .xTrainDone), (.failed, .xTrainFail),
        ]
        #expect(expected.count == AIArtsEngine.TaskStatus.allCases.count)
        for (state, mapped) in expected { #expect(PaddleX.taskStatus(state.rawValue) == mapped, "\(state)") }
        #expect(PaddleX.taskStatus("gone") == .xUninit)
        // The numbers PaddleX's clients compare with.
        #expect([PaddleX.TaskStatus.xTrainDone, .xEvaluated, .xExported, .xTrainFail, .xEvaluating, .xExportFail, .xPruneTrain].map(\.rawValue) == [4, 5, 7, 10, 11, 13, 15])
    }

    @Test func jobStatesMapOntoEvaluateExportAndPredictStatus() {
        #expect([PaddleXJobs.State.running, .done, .failed].map { PaddleX.evaluateStatus($0).rawValue } == [11, 5, 12])
        #expect([PaddleXJobs.State.running, .done, .failed].map { PaddleX.exportStatus($0).rawValue } == [6, 7, 13])
        #expect([PaddleXJobs.State.running, .done, .failed].map { PaddleX.predictStatus($0).rawValue } == [0, 1, 2])
    }

    @Test func numbersJSONCannotCarryBecomeText() throws {
        let value = PaddleXRoutes.finite(["loss": Double.nan, "list": [1.5, Double.infinity], "n": 3, "s": "x"] as [String: Any])
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
        #expect(String(decoding: data, as: UTF8.self) == #"{"list":[1.5,"inf"],"loss":"nan","n":3,"s":"x"}"#)
        #expect(PaddleXProjectRoutes.typed(["a": "1e400", "b": "0.5", "c": "7", "d": "adam"]) as NSDictionary == ["a": "1e400", "b": 0.5, "c": 7, "d": "adam"] as NSDictionary)
    }

    // MARK: engine functions the dialect added

    @Test func importLayoutFollowsTheFolderAndTheType() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("paddlex-layout-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("voc/Annotations"), withIntermediateDirectories: true)
        try Data("<annotation/>".utf8).write(to: root.appendingPathComponent("voc/Annotations/a.xml"))
        try fm.createDirectory(at: root.appendingPathComponent("coco/annotations"), withIntermediateDirectories: true)
        try Data(#"{"images": [], "annotations": [], "categories": []}"#.utf8).write(to: root.appendingPathComponent("coco/annotations/instances_train.json"))
        try fm.createDirectory(at: root.appendingPathComponent("lists"), withIntermediateDirectories: true)
        try Data("a\n".utf8).write(to: root.appendingPathComponent("lists/labels.txt"))
        try Data("x.jpg 0\n".utf8).write(to: root.appendingPathComponent("lists/train_list.txt"))
        #expect(DatasetFormat.layout(of: .classification, at: root.appendingPathComponent("lists")) == .paddlex)
        #expect(DatasetFormat.layout(of: .detection, at: root.appendingPathComponent("lists")) == .paddlex)
        #expect(DatasetFormat.layout(of: .classification, at: root.appendingPathComponent("voc")) == .imagenet)
        #expect(DatasetFormat.layout(of: .detection, at: root.appendingPathComponent("voc")) == .voc)
        #expect(DatasetFormat.layout(of: .detection, at: root.appendingPathComponent("coco")) == .coco)
        #expect(DatasetFormat.layout(of: .segmentation, at: root.appendingPathComponent("voc")) == .seg)
        #expect(DatasetFormat.layout(of: .instanceSegmentation, at: root.appendingPathComponent("lists")) == .coco)
        #expect(DatasetFormat.layout(of: .detection, at: root.appendingPathComponent("data.zip")) == .voc)
    }

    @Test func latestEvaluationReadsTheNewestReportAndSkipsBrokenOnes() throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        let workspace = fixture.workspace
        let project = try workspace.createProject(name: "p", type: .classification)
        let task = try workspace.createTask(projectID: project.id, trainer: .command, params: ["command": "true"])
        #expect(try workspace.latestEvaluation(task.id) == nil)
        let eval = workspace.taskFolder(task.id).appendingPathComponent("eval")
        try FileManager.default.createDirectory(at: eval, withIntermediateDirectories: true)
        func report(_ epoch: Int, acc: Double) -> Data {
            Data(("{\"task\": \"\(task.id)\", \"epoch\": \(epoch), \"predictions\": \"p.jsonl\", \"report\": {\"dataset\": \"D0001\", "
                + "\"split\": \"val\", \"task\": \"classification\", \"epoch\": \(epoch), \"samples\": 1, \"predicted\": 1, "
                + "\"ignoredPredictions\": 0, \"unknownLabels\": 0, \"metrics\": {\"acc1\": \(acc)}}}").utf8)
        }
        try report(1, acc: 0.5).write(to: eval.appendingPathComponent("epoch_1_val.metrics.json"))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: eval.appendingPathComponent("epoch_1_val.metrics.json").path)
        try report(2, acc: 0.75).write(to: eval.appendingPathComponent("epoch_2_val.metrics.json"))
        #expect(try workspace.latestEvaluation(task.id)?.report.metrics["acc1"] == 0.75)
        try Data("{".utf8).write(to: eval.appendingPathComponent("epoch_3_val.metrics.json"))
        #expect(try workspace.latestEvaluation(task.id)?.epoch == 2)
        #expect(throws: AIArtsError.self) { try workspace.latestEvaluation("T0099") }
    }

    // MARK: routes

    @Test func datasetsAreCreatedListedAndDeletedWithGetParametersInTheBody() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let (status, created) = try await Self.call(client, fixture, .post, "/dataset", ["name": "花", "desc": "d", "dataset_type": "detection"])
            #expect(status == .ok && created["status"] as? Int == 1)
            let did = try #require(created["did"] as? String)
            #expect(created["id"] as? String == did)
            let (_, one) = try await Self.call(client, fixture, .get, "/dataset", ["did": did], as: .viewer)
            #expect(one["dataset_status"] as? Int == 0 && one["id"] as? String == did)
            let attr = try #require(one["attr"] as? [String: Any])
            #expect(attr["name"] as? String == "花" && attr["type"] as? String == "detection" && attr["desc"] as? String == "d")
            #expect((attr["pids"] as? [String]) == [] && (attr["create_time"] as? String)?.count == 19)
            // The query string works as well as a body.
            let query = try await client.execute(uri: "/paddlex/dataset?did=\(did)", method: .get, headers: fixture.headers(.viewer))
            #expect(query.status == .ok && query.json["id"] as? String == did)
            let (_, all) = try await Self.call(client, fixture, .get, "/dataset", nil, as: .viewer)
            let listed = try #require(all["datasets"] as? [[String: Any]])
            #expect(listed.count == 1 && (listed[0]["attr"] as? [String: Any])?["dataset_status"] as? Int == 0)
            #expect(try await Self.call(client, fixture, .delete, "/dataset", ["did": did]).0 == .ok)
            let (gone, missing) = try await Self.call(client, fixture, .get, "/dataset", ["did": did])
            #expect(gone == .notFound && missing["status"] as? Int == -1 && (missing["message"] as? String)?.contains(did) == true)
        }
    }

    @Test func badInputIs400AndAViewerMayNotWrite() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let refusals: [(HTTPRequest.Method, String, [String: Any], HTTPResponse.Status)] = [
                (.post, "/dataset", ["desc": "no name", "dataset_type": "classification"], .badRequest),
                (.post, "/dataset", ["name": "x", "dataset_type": "remote_segmentation"], .badRequest),
                (.post, "/dataset", ["name": "x", "dataset_type": 3], .badRequest),
                (.get, "/dataset", ["did": "P0001"], .badRequest),
                (.put, "/dataset", ["did": "D0001", "path": "relative/path"], .badRequest),
                (.put, "/dataset", ["did": "D0009", "path": "/nonexistent"], .notFound),
                (.put, "/dataset", ["did": "D0001", "path": "/"], .badRequest),
                (.put, "/dataset", ["did": "D0001", "path": fixture.root.path + "/."], .badRequest),
                (.put, "/dataset/split", ["did": "D0001", "val_split": "lots", "test_split": 0.1], .badRequest),
                (.get, "/workspace", ["struct": "task", "id": "P0001"], .badRequest),
                (.put, "/workspace", ["struct": "project", "id": "P0001", "attr_dict": ["type": "detection"]], .badRequest),
                (.post, "/project/task", ["pid": "P0001", "train": "{not json"], .badRequest),
                (.get, "/project/task/params", [:], .badRequest),
                (.put, "/project/task/train", ["tid": "T0001", "act": "pause"], .badRequest),
                (.get, "/project/task/metrics", ["tid": "T0001", "type": "vdl"], .badRequest),
                (.post, "/project/task/export", ["tid": "T0001", "type": "lite"], .badRequest),
                (.post, "/project/task/predict", ["tid": "T0001", "image_data": "bm90IGFuIGltYWdl"], .badRequest),
                (.get, "/system", ["type": "disk"], .badRequest),
                (.post, "/demo", ["type": "load", "prj_type": 2], .badRequest),
                (.get, "/model", ["type": "lite"], .badRequest),
            ]
            for (method, path, body, expected) in refusals {
                let (status, answer) = try await Self.call(client, fixture, method, path, body)
                #expect(status == expected, "\(method) \(path) \(body)")
                #expect(answer["status"] as? Int == -1 && !(answer["message"] as? String ?? "").isEmpty, "\(method) \(path)")
            }
            let broken = try await client.execute(uri: "/paddlex/dataset", method: .put, headers: fixture.headers(.admin, json: true), body: ByteBuffer(string: "{\"did\":"))
            #expect(broken.status == .badRequest && broken.json["status"] as? Int == -1)
            let (forbidden, answer) = try await Self.call(client, fixture, .post, "/project", ["name": "p", "project_type": "classification"], as: .viewer)
            #expect(forbidden == .forbidden && answer["status"] as? Int == -1)
            #expect(try await Self.call(client, fixture, .post, "/project", ["name": "p", "project_type": "classification"], as: .reviewer).0 == .forbidden)
            #expect(try await Self.call(client, fixture, .delete, "/system", nil, as: .trainer).0 == .forbidden)
            let (stop, refusal) = try await Self.call(client, fixture, .delete, "/system", nil, as: .admin)
            #expect(stop == .forbidden && (refusal["message"] as? String)?.contains("aiarts serve --stop") == true)
        }
    }

    @Test func importSplitDetailsBindingParamsAndTasksOverHTTP() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        // A PaddleX classification folder on the server, written by another workspace.
        let scratch = try Workspace(root: fixture.root.appendingPathComponent("scratch-ws"), gpuProbe: .none)
        let demo = try ShapesDemo.create(in: scratch, classificationImages: 30, detectionImages: 3)
        let source = fixture.root.appendingPathComponent("scratch-data")
        try scratch.exportDataset(demo.classification, format: .paddlex, to: source)
        try await fixture.test { client in
            let did = try #require(try await Self.call(client, fixture, .post, "/dataset", ["name": "shapes", "dataset_type": "classification"]).1["did"] as? String)
            let (started, answer) = try await Self.call(client, fixture, .put, "/dataset", ["did": did, "path": source.path])
            #expect(started == .ok && answer["format"] as? String == "paddlex")
            var status = -1
            for _ in 0..<200 {
                status = try await Self.call(client, fixture, .get, "/dataset", ["did": did]).1["dataset_status"] as? Int ?? -1
                if ![0, 1, 3].contains(status) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(status == PaddleX.DatasetStatus.xCopyDone.rawValue)
            #expect(try await Self.call(client, fixture, .put, "/dataset/split", ["did": did, "val_split": 0.2, "test_split": 0.1]).0 == .ok)
            #expect(try await Self.call(client, fixture, .get, "/dataset", ["did": did]).1["dataset_status"] as? Int == 6)
            let details = try #require(try await Self.call(client, fixture, .get, "/dataset/details", ["did": did]).1["details"] as? [String: Any])
            #expect(details["labels"] as? [String] == ["circle", "square", "triangle"])
            #expect((details["train_files"] as? [String])?.count == 21 && (details["val_files"] as? [String])?.count == 6 && (details["test_files"] as? [String])?.count == 3)
            let file = try #require((details["train_files"] as? [String])?.first)

            // /file: a dataset file by its path relative to the dataset (did), or absolute.
            let folder = try #require(try fixture.workspace.datasetFolder(did))
            for body: [String: Any] in [["path": file, "did": did], ["path": folder.appendingPathComponent(file).path]] {
                let (ok, image) = try await Self.call(client, fixture, .get, "/file", body, as: .viewer)
                let bytes = Data(base64Encoded: image["img_data"] as? String ?? "")
                #expect(ok == .ok && bytes?.prefix(3) == Data([0xFF, 0xD8, 0xFF]), "\(body)")
            }
            for path in ["/etc/passwd", "\(fixture.root.path)/aiarts.sqlite", "../aiarts.sqlite", "datasets/../../x.jpg", "logs/aiarts.log"] {
                let (refused, answer) = try await Self.call(client, fixture, .get, "/file", ["path": path])
                #expect(refused == .badRequest && answer["status"] as? Int == -1, "\(path)")
            }

            // A project, bound through /workspace, read back through /workspace and /project.
            let pid = try #require(try await Self.call(client, fixture, .post, "/project", ["name": "p", "desc": "d", "project_type": "classification"]).1["pid"] as? String)
            #expect(try await Self.call(client, fixture, .put, "/workspace", ["struct": "project", "id": pid, "attr_dict": ["did": did, "name": "renamed"]]).0 == .ok)
            let attr = try await Self.call(client, fixture, .get, "/workspace", ["struct": "project", "id": pid, "attr_list": ["did", "name", "status"]]).1["attr"] as? [String: Any]
            #expect(attr?["did"] as? String == did && attr?["name"] as? String == "renamed" && attr?["status"] != nil)
            #expect(try await Self.call(client, fixture, .get, "/workspace").1["dirname"] as? String == fixture.root.path)
            let project = try await Self.call(client, fixture, .get, "/project", ["id": pid]).1["attr"] as? [String: Any]
            #expect(project?["did"] as? String == did && project?["type"] as? String == "classification")
            #expect(try await Self.call(client, fixture, .get, "/dataset", ["did": did]).1["attr"].flatMap { ($0 as? [String: Any])?["pids"] as? [String] } == [pid])

            // Defaults, a task from them (sent as a JSON string, as the quick start does), its params.
            let defaults = try #require(try await Self.call(client, fixture, .get, "/project/task/params", ["pid": pid, "gpu_list": [0]]).1["train"] as? [String: Any])
            #expect(defaults["trainer"] as? String == "aiarts-train" && defaults["epochs"] as? Int == 60 && defaults["gpus"] as? Int == 0)
            var train = defaults
            train["epochs"] = 2
            train["save_interval"] = 1
            let text = String(decoding: try JSONSerialization.data(withJSONObject: train), as: UTF8.self)
            let tid = try #require(try await Self.call(client, fixture, .post, "/project/task", ["pid": pid, "train": text, "desc": "first"]).1["tid"] as? String)
            let task = try await Self.call(client, fixture, .get, "/project/task", ["tid": tid])
            #expect(task.1["task_status"] as? Int == PaddleX.TaskStatus.xInit.rawValue)
            #expect((task.1["attr"] as? [String: Any])?["desc"] as? String == "first")
            let params = try await Self.call(client, fixture, .get, "/project/task/params", ["tid": tid]).1["train"] as? [String: Any]
            #expect(params?["epochs"] as? Int == 2 && params?["dataset_id"] as? String == did)
            // What GET gave can be sent back as it is (the engine's own keys are left out).
            var changed = try #require(params)
            changed["learning_rate"] = 0.05
            #expect(try await Self.call(client, fixture, .post, "/project/task/params", ["tid": tid, "train": changed]).0 == .ok)
            #expect(try fixture.workspace.taskParams(tid)["learning_rate"] == "0.05")
            #expect(try await Self.call(client, fixture, .post, "/project/task/params", ["tid": tid, "train": ["trainer": "torch"]]).0 == .badRequest)
            let listed = try await Self.call(client, fixture, .get, "/project/task", ["pid": pid]).1["tasks"] as? [[String: Any]]
            #expect(listed?.map { $0["id"] as? String } == [tid] && listed?.first?["status"] as? Int == 1)

            // Evaluation, export and prediction wait for a trained task.
            #expect(try await Self.call(client, fixture, .post, "/project/task/evaluate", ["tid": tid]).0 == .conflict)
            #expect(try await Self.call(client, fixture, .get, "/project/task/evaluate", ["tid": tid]).1["evaluate_status"] as? Int == 1)
            #expect(try await Self.call(client, fixture, .get, "/project/task/export", ["tid": tid]).1["export_status"] as? Int == 0)
            #expect(try await Self.call(client, fixture, .get, "/project/task/predict", ["tid": tid]).0 == .notFound)
            let (vdl, why) = try await Self.call(client, fixture, .get, "/project/task/vdl", ["tid": tid])
            #expect(vdl == .unprocessableContent && (why["message"] as? String)?.contains("VisualDL") == true)

            #expect(try await Self.call(client, fixture, .delete, "/project/task", ["tid": tid]).0 == .ok)
            #expect(try await Self.call(client, fixture, .get, "/project/task", ["tid": tid]).0 == .notFound)
            #expect(try await Self.call(client, fixture, .delete, "/dataset", ["did": did]).0 == .conflict)  // the project uses it
            #expect(try await Self.call(client, fixture, .delete, "/project", ["pid": pid]).0 == .ok)
            #expect(try await Self.call(client, fixture, .get, "/project").1["projects"] as? [Any] != nil)
        }
    }

    @Test func trainingStartsAndStopsAndTheStatesFollow() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            let pid = try #require(try await Self.call(client, fixture, .post, "/project", ["name": "p", "project_type": "detection"]).1["pid"] as? String)
            let tid = try #require(try await Self.call(client, fixture, .post, "/project/task",
                                                       ["pid": pid, "train": ["trainer": "command", "command": "while true; do sleep 0.1; done"]]).1["tid"] as? String)
            #expect(try await Self.call(client, fixture, .post, "/project/task/train", ["tid": tid], as: .viewer).0 == .forbidden)
            let (started, answer) = try await Self.call(client, fixture, .post, "/project/task/train", ["tid": tid])
            #expect(started == .ok && answer["task_status"] as? Int == PaddleX.TaskStatus.xTraining.rawValue)
            #expect(try await Self.call(client, fixture, .get, "/project/task", ["tid": tid]).1["task_status"] as? Int == 3)
            // A running task is neither deleted nor evaluated.
            #expect(try await Self.call(client, fixture, .delete, "/project/task", ["tid": tid]).0 == .conflict)
            #expect(try await Self.call(client, fixture, .post, "/project/task/evaluate", ["tid": tid]).0 == .conflict)
            let (stopped, after) = try await Self.call(client, fixture, .put, "/project/task/train", ["tid": tid, "act": "stop"])
            #expect(stopped == .ok && after["task_status"] as? Int == PaddleX.TaskStatus.xTrainExit.rawValue)
            let log = try await Self.call(client, fixture, .get, "/project/task/metrics", ["tid": tid, "type": "train"]).1["train_log"] as? [String: Any]
            #expect(log?["task_status"] as? Int == 8 && log?["series"] is [Any])
            #expect(try await Self.call(client, fixture, .get, "/project/task/metrics", ["tid": tid, "type": "eval"]).0 == .notFound)
            #expect(try await Self.call(client, fixture, .delete, "/project/task", ["tid": tid]).0 == .ok)
        }
    }

    @Test func demoSystemAndModels() async throws {
        let fixture = try ServerFixture()
        defer { fixture.remove() }
        try await fixture.test { client in
            #expect(try await Self.call(client, fixture, .get, "/demo", ["prj_type": 0]).0 == .notFound)
            let (loaded, ids) = try await Self.call(client, fixture, .post, "/demo", ["type": "load", "prj_type": 1])
            #expect(loaded == .ok && ids["did"] as? String == "D0002" && ids["pid"] as? String == "P0002")
            // Loading again answers the same demo; GET says it is there.
            #expect(try await Self.call(client, fixture, .post, "/demo", ["type": "load", "prj_type": "classification"]).1["pid"] as? String == "P0001")
            let attr = try await Self.call(client, fixture, .get, "/demo", ["prj_type": 0]).1["attr"] as? [String: Any]
            #expect(attr?["status"] as? Int == PaddleX.DownloadStatus.xdDecompressed.rawValue && attr?["progress"] as? Double == 1)

            let info = try await Self.call(client, fixture, .get, "/system", ["type": "machine_info"], as: .viewer).1["info"] as? [String: Any]
            #expect((info?["cpu_num"] as? Int ?? 0) >= 1 && info?["gpu_num"] is Int && info?["sysstr"] is String)
            #expect(try await Self.call(client, fixture, .get, "/system", ["type": "gpu_memory_size"]).1["gpu_mem_infos"] is [Any])

            let models = try await Self.call(client, fixture, .get, "/model").1
            #expect(models["pretrained_models"] as? [Any] != nil && models["exported_models"] as? [Any] != nil)
            #expect(try await Self.call(client, fixture, .get, "/model", ["mid": "M0001"]).0 == .notFound)
            #expect(try await Self.call(client, fixture, .delete, "/model", ["type": "pretrained", "pmid": "M0001"]).0 == .notFound)
        }
    }
}
