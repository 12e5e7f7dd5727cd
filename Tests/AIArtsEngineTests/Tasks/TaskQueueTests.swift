import Foundation
import Synchronization
import Testing
@testable import AIArtsEngine

/// GPU choice and the waiting_gpu queue, resume, command templates, wait/follow and project
/// deletion: `swift test --filter TaskQueueTests`.
@Suite struct TaskQueueTests {
    /// GPUs whose free memory a test sets while tasks wait.
    final class FakeGPUs: Sendable {
        let gpus: Mutex<[GPUCapacity]>
        init(_ gpus: [GPUCapacity]) { self.gpus = Mutex(gpus) }
        var probe: GPUProbe { GPUProbe { self.gpus.withLock { $0 } } }
        func setFree(_ index: Int, _ mib: Int) {
            gpus.withLock { list in
                for i in list.indices where list[i].index == index { list[i].freeMiB = mib }
            }
        }
    }

    final class Sandbox {
        let folder = TempFolder("aiarts-queue")
        let ws: Workspace
        let project: ProjectRecord

        init(gpus: FakeGPUs? = nil) throws {
            ws = try Workspace(root: folder.url, gpuProbe: gpus?.probe ?? .none)
            project = try ws.createProject(name: "p", type: .classification)
        }

        deinit {
            for task in (try? ws.tasks()) ?? [] where task.taskStatus?.hasProcess == true {
                _ = try? ws.stopTask(task.id, grace: .milliseconds(200))
            }
        }

        func command(_ line: String, _ extra: [String: String] = [:]) throws -> TaskRecord {
            try ws.createTask(projectID: project.id, trainer: .command, params: extra.merging(["command": line]) { $1 })
        }

        func file(_ id: String, _ name: String) -> String {
            (try? String(contentsOf: ws.taskFolder(id).appendingPathComponent(name), encoding: .utf8)) ?? ""
        }
    }

    static let twoGPUs = [GPUCapacity(index: 0, totalMiB: 24000, freeMiB: 3000), GPUCapacity(index: 1, totalMiB: 24000, freeMiB: 20000)]

    @Test func autoTakesTheGPUWithTheMostFreeMemory() throws {
        let plan = try GPUPlan.make(params: [:], neededMiB: 8000, capacities: Self.twoGPUs)
        #expect(plan == GPUPlan(gpus: [1], waitingFor: nil))
        // Memory promised to a task that just started counts as taken.
        let reserved = try GPUPlan.make(params: ["gpus": "auto"], neededMiB: 8000, capacities: Self.twoGPUs, reservedMiB: [1: 15000])
        #expect(reserved.gpus == [1])
        #expect(reserved.waitingFor?.contains("most free now: 5000 MiB on GPU 1") == true)
    }

    @Test func namedGPUsAreCheckedEachOne() throws {
        let plan = try GPUPlan.make(params: ["gpus": "0,1"], neededMiB: 8000, capacities: Self.twoGPUs)
        #expect(plan.gpus == [0, 1])
        #expect(plan.waitingFor == "waiting for 8000 MiB free on GPU 0,1 (GPU 0 has 3000 MiB)")
        #expect(try GPUPlan.make(params: ["gpus": "1"], neededMiB: 8000, capacities: Self.twoGPUs).waitingFor == nil)
        let error = #expect(throws: AIArtsError.self) { try GPUPlan.make(params: ["gpus": "7"], neededMiB: 0, capacities: Self.twoGPUs) }
        #expect(error?.message.contains("no GPU 7") == true)
    }

    @Test func cpuAndMachinesWithoutGPUs() throws {
        #expect(try GPUPlan.make(params: ["gpus": ""], neededMiB: 8000, capacities: Self.twoGPUs) == GPUPlan(gpus: [], waitingFor: nil))
        #expect(try GPUPlan.make(params: [:], neededMiB: 8000, capacities: []) == GPUPlan(gpus: [], waitingFor: nil))
        #expect(try GPUPlan.make(params: ["gpus": "2,3"], neededMiB: 8000, capacities: []).gpus == [2, 3])
    }

    @Test func theQueueReadsFreeMemoryThroughTheMonitor() throws {
        let folder = TempFolder("aiarts-gpu-fixture")
        let url = folder.url.appendingPathComponent("gpus.json")
        try Data(#"{"gpus":[{"index":0,"name":"A","memory_total":8589934592,"memory_used":2147483648}]}"#.utf8).write(to: url)
        let probe = GPUProbe.monitor(GPUMonitor(environment: ["AIARTS_GPU_FIXTURE": url.path]))
        #expect(probe.read() == [GPUCapacity(index: 0, totalMiB: 8192, freeMiB: 6144)])
        try Data("not json".utf8).write(to: url)
        #expect(probe.read().isEmpty)
    }

    @Test func aTaskWaitsForGPUMemoryThenStarts() throws {
        let gpus = FakeGPUs(Self.twoGPUs)
        let s = try Sandbox(gpus: gpus)
        let task = try s.command("echo on $CUDA_VISIBLE_DEVICES", ["gpus": "0", "gpu_memory": "8000"])
        let waiting = try s.ws.startTask(task.id)
        #expect(waiting.taskStatus == .waitingGPU)
        #expect(waiting.statusMessage.contains("8000 MiB"))
        #expect(waiting.pid == nil)
        #expect(try s.ws.waitingTasks().map(\.id) == [task.id])
        #expect(try s.ws.startWaitingTasks().isEmpty)
        #expect(try s.ws.task(task.id).taskStatus == .waitingGPU)

        gpus.setFree(0, 9000)
        #expect(try s.ws.startWaitingTasks() == [task.id])
        let ended = try s.ws.waitForTask(task.id, interval: .milliseconds(20))
        #expect(ended.taskStatus == .finished)
        #expect(s.file(task.id, "train.log").contains("on 0"))
        #expect(try s.ws.taskParams(task.id)["assigned_gpus"] == "0")
        #expect(try s.ws.waitingTasks().isEmpty)
    }

    @Test func theQueueWorkerStartsWaitingTasksInOrderAndLeaves() throws {
        let gpus = FakeGPUs([GPUCapacity(index: 0, totalMiB: 24000, freeMiB: 1000)])
        let s = try Sandbox(gpus: gpus)
        let first = try s.command("sleep 30", ["gpu_memory": "4000"])
        let second = try s.command("true", ["gpu_memory": "4000"])
        #expect(try s.ws.startTask(first.id).taskStatus == .waitingGPU)
        #expect(try s.ws.startTask(second.id).taskStatus == .waitingGPU)
        gpus.setFree(0, 6000)
        // Room for one: the first waits no more; the second's 4000 MiB would overlap the first's
        // reservation, so it keeps waiting until the worker is told to stop.
        let rounds = Mutex(0)
        try s.ws.runGPUQueue(interval: .milliseconds(10)) { rounds.withLock { $0 += 1; return $0 > 5 } }
        #expect(try s.ws.task(first.id).taskStatus == .running)
        #expect(try s.ws.task(second.id).taskStatus == .waitingGPU)
        #expect(try s.ws.task(second.id).statusMessage.contains("2000 MiB"))
        // A stop takes a waiting task out of the queue; the worker then has nothing to do.
        #expect(try s.ws.stopTask(second.id).taskStatus == .stopped)
        try s.ws.runGPUQueue(interval: .milliseconds(10))
        #expect(try s.ws.waitingTasks().isEmpty)
    }

    @Test func commandTemplatesSubstituteParamsOnly() {
        let values = ["lr": "0.01", "name": "two words", "data_path": "/d"]
        #expect(CommandTemplate.expand("train.py --lr {lr} --name {name} --data {data_path}", values: values)
                == "train.py --lr 0.01 --name 'two words' --data /d")
        #expect(CommandTemplate.expand(#"echo '{"a":1}' ${HOME} {unknown} {lr"#, values: values) == #"echo '{"a":1}' ${HOME} {unknown} {lr"#)
        #expect(CommandTemplate.expand("{lr}{lr}", values: values) == "0.010.01")
    }

    @Test func startupFileGetsParamsAsOptions() throws {
        let s = try Sandbox()
        let script = s.folder.url.appendingPathComponent("train.sh")
        try Data("for a in \"$@\"; do echo \"[$a]\"; done\n".utf8).write(to: script)
        let task = try s.ws.createTask(projectID: s.project.id, trainer: .command,
                                       params: ["startup_file": script.path, "lr": "0.1", "note": "a b"])
        try s.ws.startTask(task.id)
        #expect(try s.ws.waitForTask(task.id, interval: .milliseconds(20)).taskStatus == .finished)
        let folder = s.ws.taskFolder(task.id).path
        #expect(s.file(task.id, "train.log") == "[--lr]\n[0.1]\n[--note]\n[a b]\n[--data_path]\n[]\n[--output_path]\n[\(folder)]\n")
        #expect(throws: AIArtsError.self) {
            try s.ws.createTask(projectID: s.project.id, trainer: .command, params: ["startup_file": "train.rb"])
        }
        #expect(throws: AIArtsError.self) { try s.ws.setTaskParam(task.id, key: "resume_from", value: "/x") }
    }

    @Test func resumeContinuesFromTheChosenCheckpoint() throws {
        let s = try Sandbox()
        // Epoch N: a train line, a checkpoint folder and its line; resumes read the epoch from {resume}.
        let command = #"""
            start=1; r={resume}; if [ -n "$r" ]; then start=$(( ${r##*epoch_} + 1 )); fi
            for e in $(seq $start 3); do mkdir -p checkpoints/epoch_$e
              printf '{"type":"train","epoch":%d,"epochs":3,"step":%d,"steps":3,"loss":%d}\n{"type":"checkpoint","epoch":%d,"path":"checkpoints/epoch_%d"}\n' $e $e $e $e $e >>"$AIARTS_METRICS"
              echo "epoch $e"; done
            """#
        let task = try s.command(command)
        let error = #expect(throws: AIArtsError.self) { try s.ws.resumeTask(task.id) }
        #expect(error?.message.contains("created") == true)
        try s.ws.startTask(task.id)
        #expect(try s.ws.waitForTask(task.id, interval: .milliseconds(20)).taskStatus == .finished)

        let missing = #expect(throws: AIArtsError.self) { try s.ws.resumeTask(task.id, epoch: 9) }
        #expect(missing?.message.contains("epoch 1, 2, 3") == true)
        let resumed = try s.ws.resumeTask(task.id, epoch: 1)
        #expect(resumed.taskStatus == .running)
        #expect(try s.ws.waitForTask(task.id, interval: .milliseconds(20)).taskStatus == .finished)
        #expect(s.file(task.id, "train.log") == "epoch 1\nepoch 2\nepoch 3\nepoch 2\nepoch 3\n")
        let params = try s.ws.taskParams(task.id)
        #expect(params["resume_from"] == s.ws.taskFolder(task.id).appendingPathComponent("checkpoints/epoch_1").path)
        #expect(params["resume_epoch"] == "1")
        #expect(s.file(task.id, "metrics.jsonl").contains(#"{"type":"resume","epoch":1,"from":"checkpoints/epoch_1""#))
        #expect(s.file(task.id, "command.txt").contains("epoch_1"))

        // A command without {resume} cannot be told where to continue.
        let plain = try s.command(#"mkdir -p checkpoints/epoch_1; echo '{"type":"checkpoint","epoch":1,"path":"checkpoints/epoch_1"}' >>"$AIARTS_METRICS""#)
        try s.ws.startTask(plain.id)
        _ = try s.ws.waitForTask(plain.id, interval: .milliseconds(20))
        let refused = #expect(throws: AIArtsError.self) { try s.ws.resumeTask(plain.id) }
        #expect(refused?.message.contains("{resume}") == true)
    }

    @Test func statusWaitAndFollow() throws {
        let s = try Sandbox()
        let task = try s.command(#"""
            echo one; printf '{"type":"train","epoch":2,"epochs":4,"step":5,"steps":10,"loss":1}\n' >>"$AIARTS_METRICS"; sleep 0.3; echo two; echo "boom" >&2; exit 3
            """#)
        #expect(try s.ws.taskStatus(task.id).state == "created")
        try s.ws.startTask(task.id)
        var followed: [String] = []
        try s.ws.followTaskLog(task.id, lines: 10, interval: .milliseconds(20)) { followed.append($0) }
        #expect(followed == ["one", "two", "boom"])
        let ended = try s.ws.waitForTask(task.id)
        #expect(ended.taskStatus == .failed)
        let status = try s.ws.taskStatus(task.id)
        #expect(status.state == "failed")
        #expect(status.exitCode == 3)
        #expect(status.epoch == 2 && status.epochs == 4 && status.step == 5 && status.steps == 10)
        #expect(status.pid == nil)
        #expect(status.logTail == ["one", "two", "boom"])
        let json = String(decoding: try JSONEncoder().encode(status), as: UTF8.self)
        for key in ["\"id\"", "\"state\"", "\"epoch\"", "\"epochs\"", "\"pid\":null", "\"message\"", "\"exit_code\":3"] {
            #expect(json.contains(key), "\(key) in \(json)")
        }
    }

    @Test func deletingAProjectStopsAndRemovesItsTasks() throws {
        let s = try Sandbox()
        let running = try s.command("sleep 60")
        let queued = try s.command("true")
        try s.ws.startTask(running.id)
        let other = try s.ws.createProject(name: "other", type: .classification)
        let kept = try s.ws.createTask(projectID: other.id, trainer: .command, params: ["command": "true"])
        try s.ws.deleteProject(s.project.id, force: true, grace: .milliseconds(500))
        #expect(try s.ws.tasks().map(\.id) == [kept.id])
        #expect(!FileManager.default.fileExists(atPath: s.ws.taskFolder(running.id).path))
        #expect(throws: AIArtsError.self) { try s.ws.project(s.project.id) }
        #expect(throws: AIArtsError.self) { try s.ws.task(queued.id) }
        #expect(try s.ws.projectInfo(other).tasks == 1)
    }
}

/// Derived tasks (PaddleX's): the parent's trainer and parameters, starting from its weights.
@Suite struct DerivedTaskTests {
    @Test func aDerivedTaskStartsFromItsParentsWeights() throws {
        let folder = TempFolder("aiarts-derived")
        let ws = try Workspace(root: folder.url, gpuProbe: .none)
        let project = try ws.createProject(name: "p", type: .classification)
        let parent = try ws.createTask(projectID: project.id, trainer: .command,
                                       params: ["command": #"mkdir -p checkpoints/epoch_1 checkpoints/epoch_2; printf '{"type":"checkpoint","epoch":1,"path":"checkpoints/epoch_1","best":true}\n{"type":"checkpoint","epoch":2,"path":"checkpoints/epoch_2"}\n' >>"$AIARTS_METRICS"; echo {pretrained}"#,
                                                "lr": "0.1"])
        try ws.startTask(parent.id)
        #expect(try ws.waitForTask(parent.id, interval: .milliseconds(20)).taskStatus == .finished)
        let child = try ws.createDerivedTask(from: parent.id, params: ["lr": "0.01"])
        #expect(child.parentId == parent.id && child.trainer == "command" && child.projectId == project.id)
        let params = try ws.taskParams(child.id)
        #expect(params["pretrained"] == ws.taskFolder(parent.id).appendingPathComponent("checkpoints/epoch_1").path)  // the best
        #expect(params["lr"] == "0.01" && params["command"]?.contains("{pretrained}") == true)
        #expect(child.name.hasSuffix("from \(parent.id) epoch 1"))
        let second = try ws.createDerivedTask(from: parent.id, epoch: 2)
        #expect(try ws.taskParams(second.id)["pretrained"]?.hasSuffix("checkpoints/epoch_2") == true)
        // The child runs with {pretrained} filled in.
        try ws.startTask(child.id)
        #expect(try ws.waitForTask(child.id, interval: .milliseconds(20)).taskStatus == .finished)
        let log = try String(contentsOf: ws.taskFolder(child.id).appendingPathComponent("train.log"), encoding: .utf8)
        #expect(log.contains("checkpoints/epoch_1"))
        // aiarts-train derives too (TaskLifecycleTests); a parent with no checkpoint yet is refused.
        let classes = try ws.createProject(name: "c", type: .classification, datasetID: try ws.createDataset(name: "d", type: .classification).id)
        let builtin = try ws.createTask(projectID: classes.id)
        let refused = #expect(throws: AIArtsError.self) { try ws.createDerivedTask(from: builtin.id) }
        #expect(refused?.message.contains("no checkpoint yet") == true)
    }
}
