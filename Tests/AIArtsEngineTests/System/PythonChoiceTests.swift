import Foundation
import Testing
@testable import AIArtsEngine

/// Which Python aiarts runs: a task's `python`, then $AIARTS_PYTHON, then the workspace setting
/// (settings.json), then python3; and what setting it refuses.
@Suite struct PythonChoiceTests {
    /// An executable file standing in for an interpreter.
    static func fakePython(in folder: TempFolder, _ name: String = "bin/python") throws -> String {
        let url = folder.write(name, "#!/bin/sh\nexit 0\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        return url.path
    }

    @Test func orderIsTaskThenEnvironmentThenWorkspaceThenDefault() throws {
        let (ws, folder) = try Fixtures.workspace()
        let venv = try Self.fakePython(in: folder)
        #expect(ws.python(params: nil, environment: [:]) == PythonChoice(path: "python3", source: .default))
        try ws.setPython(venv)
        #expect(ws.python(params: nil, environment: [:]) == PythonChoice(path: venv, source: .workspace))
        #expect(ws.python(params: nil, environment: ["AIARTS_PYTHON": "/opt/env/bin/python"])
                == PythonChoice(path: "/opt/env/bin/python", source: .environment))
        #expect(ws.python(params: ["python": "/t/bin/python"], environment: ["AIARTS_PYTHON": "/opt/env/bin/python"])
                == PythonChoice(path: "/t/bin/python", source: .task))
        // Empty values count as not set.
        #expect(ws.python(params: ["python": ""], environment: ["AIARTS_PYTHON": ""]) == PythonChoice(path: venv, source: .workspace))
        try ws.setPython(nil)
        #expect(ws.python(params: nil, environment: [:]) == PythonChoice(path: "python3", source: .default))
    }

    @Test func settingKeepsOtherKeysAndLeavesNoTemporaryFile() throws {
        let (ws, folder) = try Fixtures.workspace()
        let venv = try Self.fakePython(in: folder)
        _ = folder.write("settings.json", #"{"theme": "dark", "n": 3}"#)
        try ws.setPython(venv)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.path("settings.json"))) as? [String: Any])
        #expect(object["theme"] as? String == "dark")
        #expect(object["python"] as? String == venv)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.url.path)
        #expect(!names.contains { $0.hasSuffix(".tmp") })
    }

    @Test func brokenSettingsFallBackWithAReasonAndAreNotOverwritten() throws {
        let (ws, folder) = try Fixtures.workspace()
        let venv = try Self.fakePython(in: folder)
        _ = folder.write("settings.json", "{\"python\": ")
        let choice = ws.python(params: nil, environment: [:])
        #expect(choice.path == "python3" && choice.source == .default)
        #expect(choice.note?.contains("settings.json is not a JSON object") == true)
        #expect(throws: AIArtsError.self) { try ws.setPython(venv) }
        #expect(try String(contentsOf: folder.path("settings.json"), encoding: .utf8) == "{\"python\": ")
        // A JSON array is as broken as a cut-off file; a non-string value is ignored.
        _ = folder.write("settings.json", "[1]")
        #expect(ws.python(params: nil, environment: [:]).note != nil)
        _ = folder.write("settings.json", #"{"python": 7}"#)
        #expect(ws.python(params: nil, environment: [:]) == PythonChoice(path: "python3", source: .default))
    }

    @Test func badPathsAreRefusedWithAReason() throws {
        let (ws, folder) = try Fixtures.workspace()
        let plain = folder.write("bin/notexec", "x")
        let cases: [(String, String)] = [
            ("python3", "not an absolute path"),
            (folder.path("missing/python").path, "does not exist"),
            (folder.path("bin").path, "is a folder"),
            (plain.path, "not executable"),
            ("/bin/py\u{1B}[2Jthon", "control characters"),
        ]
        for (path, reason) in cases {
            do {
                try ws.setPython(path)
                Issue.record("\(path) was accepted")
            } catch let error as AIArtsError {
                #expect(error.message.contains(reason), "\(path): \(error.message)")
                #expect(!error.message.contains("\n"))
            }
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path("settings.json").path))
    }

    @Test func taskParameterIsCheckedByTheTrainers() throws {
        let folder = TempFolder("aiarts-python")
        let venv = try Self.fakePython(in: folder)
        try TorchTrainer.validate("python", venv)
        try TaskParams.validate("python", venv, trainer: .command)
        try TaskParams.validate("python", venv, trainer: .torch, type: .classification)
        #expect(throws: AIArtsError.self) { try TorchTrainer.validate("python", "python3") }
        #expect(throws: AIArtsError.self) { try TaskParams.validate("python", "/nowhere/python", trainer: .command) }
    }

    @Test func startupFileAndTorchRunTheChosenPython() throws {
        let folder = TempFolder("aiarts-python")
        let script = folder.write("train.py", "print(1)\n")
        let venv = try Self.fakePython(in: folder)
        let record = TaskRecord(id: "T0001", projectId: "P0001", name: "t", description: "", status: "created", statusMessage: "",
                                createdAt: Date(), trainer: TaskTrainer.command.rawValue, params: "{}", parentId: nil, pid: nil,
                                startTime: nil, exitCode: nil, exitSignal: nil, stopRequested: false, startedAt: nil,
                                finishedAt: nil, launchedAt: nil)
        var context = TaskLaunchPlan.Context(params: ["startup_file": script.path, "python": venv], datasetID: nil,
                                             datasetFolder: nil, workspace: folder.url, folder: folder.path("tasks/T0001"),
                                             gpus: [], resumeFrom: nil, python: venv)
        let plan = try TaskLaunchPlan.make(task: record, context: context, locateTrainer: { nil })
        #expect(plan.executable == venv)
        #expect(!plan.arguments.contains("--python"))
        context.params = ["model": "resnet18", "python": venv]
        let (argv, _) = try TorchTrainer.command(params: context.params, manifest: folder.path("dataset.json"), taskFolder: folder.url,
                                                 gpus: [], python: venv)
        #expect(argv.first == venv)
        #expect(!argv.contains("--python"))
    }
}
