import Foundation
import Testing
@testable import AIArtsEngine

/// `startTask(_:worker:)`: one call that starts a task or queues it and makes sure the queue
/// worker runs, and the launch time a queued task records (issue 13).
@Suite struct TaskStartTests {
    final class Sandbox {
        let folder = TempFolder("aiarts-start")
        let gpus = TaskQueueTests.FakeGPUs([GPUCapacity(index: 0, totalMiB: 24000, freeMiB: 1000)])
        let ws: Workspace
        let project: ProjectRecord

        init() throws {
            ws = try Workspace(root: folder.url, gpuProbe: gpus.probe)
            project = try ws.createProject(name: "p", type: .classification)
        }

        deinit {
            for task in (try? ws.tasks()) ?? [] where task.taskStatus?.hasProcess == true {
                _ = try? ws.stopTask(task.id, grace: .milliseconds(200))
            }
        }

        /// A stand-in for the aiarts binary: it writes the arguments the worker was started with.
        func recordingWorker() throws -> (QueueWorker, URL) {
            let script = folder.url.appendingPathComponent("fake-aiarts")
            let out = folder.url.appendingPathComponent("worker-args")
            try Data("#!/bin/sh\necho \"$@\" > '\(out.path)'\n".utf8).write(to: script)
            chmod(script.path, 0o755)
            return (QueueWorker(executable: script.path), out)
        }
    }

    /// Waits for a file another process writes (a generous deadline: the machine may be busy).
    static func contents(of url: URL, within seconds: Double = 20) -> String? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let text = try? String(contentsOf: url, encoding: .utf8), text.hasSuffix("\n") { return text }
            usleep(20_000)
        }
        return nil
    }

    @Test func aTaskThatMustWaitIsQueuedAndTheWorkerStarted() throws {
        let box = try Sandbox()
        let (worker, args) = try box.recordingWorker()
        let record = try box.ws.createTask(TaskSpec(projectID: box.project.id, origin: .trainer(.command),
                                                    params: ["command": "true", "gpu_memory": "8000"]))
        let start = try box.ws.startTask(record.id, worker: worker)
        guard case .waitingGPU(let waiting, let reason) = start else { Issue.record("not queued: \(start)"); return }
        #expect(waiting.taskStatus == .waitingGPU && waiting.launchedAt == nil)
        #expect(reason == "waiting for 8000 MiB free on a GPU (most free now: 1000 MiB on GPU 0)")
        #expect(Self.contents(of: args) == "--workspace \(box.ws.root.path) task queue --run\n")
    }

    @Test func aTaskThatFitsRunsAndNoWorkerIsStarted() throws {
        let box = try Sandbox()
        let (worker, args) = try box.recordingWorker()
        let record = try box.ws.createTask(TaskSpec(projectID: box.project.id, origin: .trainer(.command), params: ["command": "sleep 30"]))
        let start = try box.ws.startTask(record.id, worker: worker)
        guard case .running(let running) = start else { Issue.record("not running: \(start)"); return }
        #expect(running.pid != nil && running.launchedAt != nil)
        #expect(start.record == running)
        _ = try box.ws.stopTask(record.id, grace: .milliseconds(200))
        // Nothing waits, so no worker was launched (it would have written its arguments by now).
        usleep(300_000)
        #expect(!FileManager.default.fileExists(atPath: args.path))
    }

    @Test func aQueuedTaskRecordsWhenItReallyLaunched() throws {
        let box = try Sandbox()
        let (worker, _) = try box.recordingWorker()
        let record = try box.ws.createTask(TaskSpec(projectID: box.project.id, origin: .trainer(.command),
                                                    params: ["command": "true", "gpu_memory": "8000"]))
        let queued = try box.ws.startTask(record.id, worker: worker).record
        let startedAt = try #require(queued.startedAt)
        usleep(1_100_000)
        box.gpus.setFree(0, 20000)
        #expect(try box.ws.startWaitingTasks() == [record.id])
        let launched = try box.ws.task(record.id)
        let at = try #require(launched.launchedAt)
        // The start keeps the time it was asked for; the launch is when it left waiting_gpu.
        #expect(launched.startedAt == startedAt)
        #expect(at.timeIntervalSince(startedAt) >= 1)
        let detail = try JSONSerialization.jsonObject(with: JSONEncoder().encode(box.ws.taskDetail(record.id))) as? [String: Any]
        #expect(detail?["launched_at"] != nil && !(detail?["launched_at"] is NSNull))
        let status = try box.ws.taskStatus(record.id)
        #expect(status.launchedAt == at)
    }
}
