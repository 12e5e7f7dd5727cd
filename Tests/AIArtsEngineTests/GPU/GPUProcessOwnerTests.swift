import Foundation
import Testing
import TestSupport
@testable import AIArtsEngine

extension GPUTests {
    @Suite struct GPUProcessOwnerTests {
        /// A folder laid out like /proc with the processes a test describes.
        final class FakeProc {
            let folder = TempFolder("aiarts-fakeproc")
            var root: String { folder.url.path }

            func add(pid: Int32, parent: Int32, session: Int32, start: UInt64 = 1000, uid: UInt32 = 0,
                     command: [String] = ["python3", "train.py"], name: String = "python3", state: String = "S") {
                folder.write("\(pid)/stat", "\(pid) (\(name)) \(state) \(parent) \(session) \(session) 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 \(start) 1000 100\n")
                folder.write("\(pid)/status", "Name:\t\(name)\nUid:\t\(uid)\t\(uid)\t\(uid)\t\(uid)\nGid:\t0\t0\t0\t0\n")
                folder.write("\(pid)/cmdline", Data(command.map { Array($0.utf8) + [0] }.joined()))
            }
        }

        func gpus(_ pids: [Int32]) -> [GPUDevice] {
            [GPUDevice(index: 0, name: "G", uuid: "GPU-0", processes: pids.map { GPUProcess(pid: $0, memory: 1) })]
        }

        func owners(_ proc: FakeProc, _ pids: [Int32], tasks: [GPUTaskOwner]) -> [GPUProcess] {
            var list = gpus(pids)
            GPUProcessOwners(procRoot: proc.root).assign(&list, tasks: tasks)
            return list[0].processes
        }

        let task = GPUTaskOwner(taskID: "T0001", identity: ProcessIdentity(pid: 100, startTime: 5000))

        @Test func aProcessInTheTasksSessionBelongsToTheTask() {
            let proc = FakeProc()
            proc.add(pid: 100, parent: 1, session: 100, start: 5000, command: ["/bin/sh", "-c", "python train.py"], name: "sh")
            proc.add(pid: 150, parent: 100, session: 100)
            let result = owners(proc, [150, 100], tasks: [task])
            #expect(result.map(\.task) == ["T0001", "T0001"])
            #expect(result[0].foreign == false)
        }

        @Test func aProcessThatLeftTheSessionIsFoundThroughItsParents() {
            let proc = FakeProc()
            proc.add(pid: 100, parent: 1, session: 100, start: 5000)
            proc.add(pid: 155, parent: 100, session: 155)   // called setsid
            proc.add(pid: 160, parent: 155, session: 155)
            #expect(owners(proc, [160], tasks: [task]).first?.task == "T0001")
        }

        @Test func otherProcessesShowTheirUserAndCommandLine() {
            let proc = FakeProc()
            proc.add(pid: 100, parent: 1, session: 100, start: 5000)
            proc.add(pid: 300, parent: 1, session: 300, uid: 0, command: ["python3", "evil\u{1B}]0;title\u{07}.py", "--x"])
            let other = owners(proc, [300], tasks: [task]).first
            #expect(other?.task == nil)
            #expect(other?.user == "root")
            #expect(other?.command == "python3 evil.py --x")  // the title sequence is gone whole
        }

        @Test func anUnknownUIDIsShownAsANumber() {
            let proc = FakeProc()
            proc.add(pid: 301, parent: 1, session: 301, uid: 4_000_123)
            #expect(owners(proc, [301], tasks: []).first?.user == "4000123")
        }

        @Test func aPidNotInThisProcIsForeign() {
            let proc = FakeProc()
            let result = owners(proc, [424242], tasks: [task]).first
            #expect(result?.foreign == true)
            #expect(result?.task == nil && result?.user == nil && result?.command == nil)
        }

        @Test func inAContainerOnlyAProcessHoldingAGPUDeviceIsTrusted() throws {
            let proc = FakeProc()
            try FileManager.default.createDirectory(at: proc.folder.path("self/ns"), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: proc.folder.path("self/ns/pid").path, withDestinationPath: "pid:[4026532999]")
            proc.add(pid: 100, parent: 1, session: 100, start: 5000)
            proc.add(pid: 150, parent: 100, session: 100)   // holds /dev/nvidia0: really ours
            proc.add(pid: 151, parent: 100, session: 100)   // same pid as a host process on the GPU: not ours
            try FileManager.default.createDirectory(at: proc.folder.path("150/fd"), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: proc.folder.path("150/fd/3").path, withDestinationPath: "/dev/nvidia0")
            try FileManager.default.createDirectory(at: proc.folder.path("151/fd"), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: proc.folder.path("151/fd/3").path, withDestinationPath: "/dev/null")
            #expect(!GPUProcessOwners(procRoot: proc.root).inInitialPIDNamespace)
            let result = owners(proc, [150, 151], tasks: [task])
            #expect(result[0].task == "T0001" && !result[0].foreign)
            #expect(result[1].foreign && result[1].task == nil)
        }

        @Test func aReusedTaskPidIsNotTakenForTheTask() {
            let proc = FakeProc()
            // Pid 100 now belongs to a process started later than the task's.
            proc.add(pid: 100, parent: 1, session: 100, start: 9999)
            proc.add(pid: 150, parent: 100, session: 100)
            #expect(owners(proc, [150], tasks: [task]).first?.task == nil)
        }

        @Test func aProcessOnTwoGPUsIsMappedOnBoth() {
            let proc = FakeProc()
            proc.add(pid: 100, parent: 1, session: 100, start: 5000)
            proc.add(pid: 150, parent: 100, session: 100)
            var list = gpus([150]) + [GPUDevice(index: 1, name: "H", uuid: "GPU-1", processes: [GPUProcess(pid: 150)])]
            GPUProcessOwners(procRoot: proc.root).assign(&list, tasks: [task])
            #expect(list.map { $0.processes.first?.task } == ["T0001", "T0001"])
        }

        @Test func aRealChildOfADetachedTaskIsMappedToIt() throws {
            let sandbox = RunnerSandbox()
            let script = sandbox.script("train.sh", "sleep 30 &\necho started\nwait")
            let launched = try sandbox.launch(script)
            #expect(sandbox.waitForLog("started"))
            let leader = launched.identity.pid
            var child: Int32?
            _ = waitUntil {
                let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
                child = pids.first { pid in
                    guard pid != leader, let stat = ProcessStat.read(pid: pid) else { return false }
                    return stat.session == leader && stat.command == "sleep"
                }
                return child != nil
            }
            let sleeper = try #require(child)
            let owner = GPUTaskOwner(taskID: "T0042", identity: launched.identity)
            var list = gpus([sleeper, getpid()])
            GPUProcessOwners().assign(&list, tasks: [owner])
            #expect(list[0].processes[0].task == "T0042")
            #expect(list[0].processes[0].command == "sleep 30")
            // This test process is nobody's task: its user and command line are shown.
            let me = list[0].processes[1]
            #expect(me.task == nil && me.foreign == false)
            #expect(me.user != nil && me.command != nil)
        }

        @Test func workspaceTaskOwnersAreTheRunningTasks() throws {
            let (workspace, folder) = try Fixtures.workspace()
            _ = folder
            #expect(try workspace.gpuTaskOwners().isEmpty)
        }
    }
}
