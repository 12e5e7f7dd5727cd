import Foundation
import Testing
@testable import AIArtsEngine

/// `createTask(_ spec:)`: the rules of task creation every front end gets (issue 13).
@Suite struct TaskSpecTests {
    final class Sandbox {
        let folder = TempFolder("aiarts-spec")
        let ws: Workspace
        let first: ProjectRecord, second: ProjectRecord

        init() throws {
            ws = try Workspace(root: folder.url, gpuProbe: .none)
            first = try ws.createProject(name: "one", type: .classification)
            second = try ws.createProject(name: "two", type: .classification)
        }

        /// A command task that saves one checkpoint as trainers do, run to its end.
        func finishedParent() throws -> TaskRecord {
            let line = #"{"type":"checkpoint","epoch":1,"path":"checkpoints/epoch_1","best":true}"#
            let record = try ws.createTask(TaskSpec(projectID: first.id, origin: .trainer(.command), params: [
                "command": "mkdir -p checkpoints/epoch_1 && echo w > checkpoints/epoch_1/model.pt && echo '\(line)' >> \"$AIARTS_METRICS\"",
            ]))
            try ws.startTask(record.id)
            let ended = try ws.waitForTask(record.id, interval: .milliseconds(50))
            #expect(ended.taskStatus == .finished)
            return ended
        }
    }

    @Test func aDerivedTaskStaysInItsParentsProject() throws {
        let box = try Sandbox()
        let parent = try box.finishedParent()
        let refused = #expect(throws: AIArtsError.self) {
            try box.ws.createTask(TaskSpec(projectID: box.second.id, origin: .derived(from: parent.id, epoch: nil)))
        }
        #expect(refused?.kind == .invalidArgument)
        #expect(refused?.message == "\(parent.id) is in project \(box.first.id), not \(box.second.id); a derived task stays in its parent's project")
        #expect(try box.ws.tasks(projectID: box.second.id).isEmpty)

        let derived = try box.ws.createTask(TaskSpec(projectID: box.first.id, origin: .derived(from: parent.id, epoch: 1), params: ["extra": "1"]))
        #expect(derived.parentId == parent.id && derived.projectId == box.first.id && derived.trainer == "command")
        let params = try box.ws.taskParams(derived.id)
        #expect(params["pretrained"] == box.ws.taskFolder(parent.id).appendingPathComponent("checkpoints/epoch_1").path)
        #expect(params["extra"] == "1")
        #expect(derived.description == "derived from \(parent.id) epoch 1")
    }

    @Test func aRelativeStartupFileIsTakenFromWhereTheUserIs() throws {
        let box = try Sandbox()
        let here = URL(fileURLWithPath: "/home/someone/project", isDirectory: true)
        let record = try box.ws.createTask(TaskSpec(projectID: box.first.id, origin: .trainer(.command),
                                                    params: ["startup_file": "scripts/../train.py", "epochs": "3"], baseDirectory: here))
        #expect(try box.ws.taskParams(record.id)["startup_file"] == "/home/someone/project/train.py")
        #expect(try box.ws.taskParams(record.id)["epochs"] == "3")
        // An absolute one is kept as given; the same rule when parameters change before the start.
        try box.ws.setTaskParams(record.id, ["startup_file": "other.sh"], baseDirectory: here)
        #expect(try box.ws.taskParams(record.id)["startup_file"] == "/home/someone/project/other.sh")
        try box.ws.setTaskParams(record.id, ["startup_file": "/opt/run.sh"], baseDirectory: here)
        #expect(try box.ws.taskParams(record.id)["startup_file"] == "/opt/run.sh")
    }

    @Test func withoutAFolderARelativeStartupFileIsRefused() throws {
        let box = try Sandbox()
        let error = #expect(throws: AIArtsError.self) {
            try box.ws.createTask(TaskSpec(projectID: box.first.id, origin: .trainer(.command), params: ["startup_file": "train.py"]))
        }
        #expect(error?.message == "startup_file=train.py: give an absolute path")
        #expect(try box.ws.tasks().isEmpty)
    }

    @Test func theSpecCarriesNameDescriptionAndTrainer() throws {
        let box = try Sandbox()
        let record = try box.ws.createTask(TaskSpec(projectID: box.first.id, origin: .trainer(.command), name: "  mine ",
                                                    description: "why", params: ["command": "true"]))
        #expect(record.name == "mine" && record.description == "why" && record.trainer == "command" && record.taskStatus == .created)
    }
}
