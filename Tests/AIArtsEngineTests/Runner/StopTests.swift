import Foundation
import Testing
import TestSupport
@testable import AIArtsEngine

extension RunnerTests {
    @Suite struct Stop {
        static let politeScript = """
            trap 'echo got-term; exit 0' TERM
            echo ready
            while :; do sleep 0.05; done
            """
        static let stubbornScript = """
            trap '' TERM
            echo ready
            while :; do sleep 0.05; done
            """

        @Test(arguments: [false, true])
        func termWithinGraceEndsCleanly(supervised: Bool) throws {
            let box = RunnerSandbox()
            let p = try box.launch(box.script("polite.sh", Self.politeScript), supervised: supervised)
            #expect(box.waitForLog("ready"), "log: \(box.log())")
            let result = try DetachedProcess.stop(p.identity, grace: .seconds(5), exitStatusFile: p.exitStatusFile)
            #expect(result == StopResult(ending: .terminated, status: .exited(code: 0)))
            #expect(box.log().components(separatedBy: "got-term").count == 2)  // exactly one TERM arrived
            if supervised {
                #expect(ExitRecord.read(from: box.path("exit_status"))?.stopSignals == ["TERM"])
            }
        }

        @Test(arguments: otherShells)
        func supervisorForwardsTermOnceUnderEachShell(shell: String) throws {
            let box = RunnerSandbox()
            let p = try box.launch(box.script("polite.sh", Self.politeScript), supervised: true, shell: shell)
            #expect(box.waitForLog("ready"), "log: \(box.log())")
            let result = try DetachedProcess.stop(p.identity, grace: .seconds(5), exitStatusFile: p.exitStatusFile)
            #expect(result == StopResult(ending: .terminated, status: .exited(code: 0)))
            // ("Terminated" lines come from the script's shell: its `sleep` got the TERM too.)
            #expect(box.log().components(separatedBy: "got-term").count == 2)
            #expect(ExitRecord.read(from: box.path("exit_status"))?.stopSignals == ["TERM"])
        }

        @Test(arguments: [false, true])
        func ignoredTermGetsKilledAfterGrace(supervised: Bool) throws {
            let box = RunnerSandbox()
            let p = try box.launch(box.script("stubborn.sh", Self.stubbornScript), supervised: supervised)
            #expect(box.waitForLog("ready"), "log: \(box.log())")
            let started = ContinuousClock.now
            let result = try DetachedProcess.stop(p.identity, grace: .milliseconds(300), exitStatusFile: p.exitStatusFile)
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            #expect(result == StopResult(ending: .killed, status: .signaled(signal: SIGKILL, coreDumped: false)))
            #expect(!p.isAlive)
            #expect(waitUntil { liveMembers(ofGroup: p.processGroup).isEmpty })  // nothing of the group is left
        }

        @Test func workersLeftBehindAreKilled() throws {
            let box = RunnerSandbox()
            let p = try box.launch(box.script("workers.sh", """
                (trap '' TERM; exec sleep 30) &
                echo $! > worker.pid
                trap 'exit 0' TERM
                echo ready
                while :; do sleep 0.05; done
                """))
            #expect(box.waitForLog("ready"), "log: \(box.log())")
            let workerPID = try #require(Int32(String(contentsOf: box.path("worker.pid"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)))
            let worker = try #require(ProcessIdentity.current(pid: workerPID))
            let result = try DetachedProcess.stop(p.identity, grace: .seconds(5))
            #expect(result.ending == .terminated)
            #expect(waitUntil { !worker.isAlive })
        }

        @Test func refusesWhatIsNotAGroupLeader() throws {
            let box = RunnerSandbox()
            _ = try box.launch(box.script("cmd.sh", "echo $$ > cmd.pid; echo ready; exec sleep 30"), supervised: true)
            #expect(box.waitForLog("ready"), "log: \(box.log())")
            let pid = try #require(Int32(String(contentsOf: box.path("cmd.pid"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)))
            let command = try #require(ProcessIdentity.current(pid: pid))
            #expect(throws: RunnerError.self) { try DetachedProcess.stop(command, grace: .seconds(1)) }
            #expect(command.isAlive)
        }

        @Test func refusesWhatHasEnded() throws {
            let box = RunnerSandbox()
            let p = try box.launch(box.script("done.sh", "exit 0"))
            #expect(p.waitForExit(timeout: .seconds(5)) == .exited(code: 0))
            #expect(throws: RunnerError.notRunning(p.identity)) { try DetachedProcess.stop(p.identity, grace: .seconds(1)) }
        }
    }
}
