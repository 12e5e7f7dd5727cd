import Foundation
import Testing
@testable import AIArtsEngine

extension RunnerTests {
    @Suite struct ExitRecording {
        @Test func waitStatusDecoding() {
            #expect(ExitStatus(waitStatus: 3 << 8) == .exited(code: 3))
            #expect(ExitStatus(waitStatus: 0) == .exited(code: 0))
            #expect(ExitStatus(waitStatus: 9) == .signaled(signal: 9, coreDumped: false))
            #expect(ExitStatus(waitStatus: 0x80 | 11) == .signaled(signal: 11, coreDumped: true))
            #expect(ExitStatus.signaled(signal: SIGKILL, coreDumped: false).description == "killed by SIGKILL")
        }

        @Test func statusFileParsing() {
            #expect(ExitRecord.parse("exit=3\nshell_status=3\nstop_signals=\n")
                    == ExitRecord(status: .exited(code: 3), stopSignals: []))
            #expect(ExitRecord.parse("signal=15\nshell_status=143\nstop_signals=TERM\n")
                    == ExitRecord(status: .signaled(signal: 15, coreDumped: false), stopSignals: ["TERM"]))
            #expect(ExitRecord.parse("garbage") == nil)
        }

        @Test(arguments: otherShells)
        func supervisorRecordsExitCode(shell: String) throws {
            let box = RunnerSandbox()
            let p = try box.launch(box.script("fail.sh", "echo working; exit 3"), supervised: true, shell: shell)
            #expect(p.waitForExit(timeout: .seconds(5)) == .exited(code: 3))
            let record = try #require(ExitRecord.read(from: box.path("exit_status")))
            #expect(record == ExitRecord(status: .exited(code: 3), stopSignals: []))
            #expect(box.log() == "working\n")  // the supervisor itself writes nothing
            #expect(!FileManager.default.fileExists(atPath: box.path("exit_status").path + ".tmp.\(p.pid)"))
        }

        @Test(arguments: otherShells)
        func supervisorRecordsSignal(shell: String) throws {
            let box = RunnerSandbox()
            let p = try box.launch(box.script("die.sh", "kill -USR1 $$; sleep 5"), supervised: true, shell: shell)
            #expect(p.waitForExit(timeout: .seconds(5)) == .signaled(signal: SIGUSR1, coreDumped: false))
        }

        @Test func staleStatusFileIsRemovedAtLaunch() throws {
            let box = RunnerSandbox()
            box.folder.write("exit_status", "exit=0\n")
            let p = try box.launch(box.script("wait.sh", "exec sleep 30"), supervised: true)
            #expect(!FileManager.default.fileExists(atPath: box.path("exit_status").path))
            kill(-p.processGroup, SIGKILL)
            // The supervisor died with the rest: no file, but we are its parent.
            #expect(p.waitForExit(timeout: .seconds(5)) == .signaled(signal: SIGKILL, coreDumped: false))
        }

        @Test func unsupervisedChildStatusComesFromWaitpid() throws {
            let box = RunnerSandbox()
            let p = try box.launch(box.script("code.sh", "exit 7"))
            #expect(p.waitForExit(timeout: .seconds(5)) == .exited(code: 7))
            let q = try box.launch(box.script("sig.sh", "kill -TERM $$"))
            #expect(q.waitForExit(timeout: .seconds(5)) == .signaled(signal: SIGTERM, coreDumped: false))
        }
    }
}
