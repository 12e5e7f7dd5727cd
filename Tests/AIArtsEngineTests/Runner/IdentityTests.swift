import Foundation
import Testing
import TestSupport
@testable import AIArtsEngine

extension RunnerTests {
    @Suite struct Identity {
        @Test func statParsesCommandsWithSpacesAndParentheses() throws {
            let fields = (4...52).map { $0 == 22 ? "123456" : String($0) }.joined(separator: " ")
            let text = "4242 (my ) (trainer) S " + fields + "\n"
            let stat = try #require(ProcessStat.parse(Array(text.utf8)))
            #expect(stat.pid == 4242)
            #expect(stat.command == "my ) (trainer")
            #expect(stat.state == "S")
            #expect(stat.parentPID == 4 && stat.processGroup == 5 && stat.session == 6)
            #expect(stat.startTime == 123456)
            #expect(ProcessStat.parse(Array("4242 (truncated S 1 2".utf8)) == nil)
            #expect(ProcessStat.parse(Array("".utf8)) == nil)
        }

        @Test func ownStatMatchesThisProcess() throws {
            let me = try #require(ProcessStat.read(pid: getpid()))
            #expect(me.pid == getpid() && me.parentPID == getppid())
            #expect(me.identity.isAlive)
        }

        @Test func reusedPidIsNotTheTask() throws {
            let box = RunnerSandbox()
            let p = try box.launch(box.script("sleep.sh", "exec sleep 30"))
            // Same pid, another start time: what a reused pid looks like.
            let impostor = ProcessIdentity(pid: p.pid, startTime: p.startTime + 1)
            #expect(p.isAlive)
            #expect(!DetachedProcess.isAlive(impostor))
            #expect(ExitWatcher.waitUntilExited(impostor, timeout: .zero))
            #expect(throws: RunnerError.notRunning(impostor)) { try DetachedProcess.stop(impostor, grace: .seconds(1)) }
            #expect(p.isAlive)  // the refusal signalled nothing
            #expect(!ProcessIdentity(pid: Int32.max, startTime: 1).isAlive)
        }

        @Test func zombieCountsAsExited() throws {
            let box = RunnerSandbox()
            let p = try box.launch(box.script("quick.sh", "exit 0"))
            // Not reaped yet, so /proc still lists it, as a zombie.
            #expect(waitUntil { ProcessStat.read(pid: p.pid)?.state == "Z" })
            #expect(!p.isAlive)
            #expect(p.waitForExit(timeout: .seconds(1)) == .exited(code: 0))
            #expect(ProcessStat.read(pid: p.pid) == nil)  // reaped
        }

        /// A restarted aiarts has only the pid and start time it saved: no handle, not the parent.
        @Test(arguments: [true, false])
        func adoptionFromSavedIdentity(usePidfd: Bool) throws {
            let box = RunnerSandbox()
            let s = box.script("job.sh", "echo started; while [ ! -e go ]; do sleep 0.02; done; exit 3")
            var saved: (pid: Int32, start: UInt64)
            do {
                let p = try box.launch(s, supervised: true)
                saved = (p.pid, p.startTime)
            }  // the handle is forgotten here
            let adopted = ProcessIdentity(pid: saved.pid, startTime: saved.start)
            #expect(adopted == ProcessIdentity.current(pid: saved.pid))
            #expect(adopted.isAlive)
            #expect(!ExitWatcher.waitUntilExited(adopted, timeout: .milliseconds(50), usePidfd: usePidfd))
            box.folder.write("go", "")
            #expect(ExitWatcher.waitUntilExited(adopted, timeout: .seconds(5), usePidfd: usePidfd))
            #expect(ExitWatcher.waitForExit(adopted, exitStatusFile: box.path("exit_status")) == .exited(code: 3))
        }
    }
}
