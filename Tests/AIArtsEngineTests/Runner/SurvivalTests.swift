import Foundation
import Testing
import TestSupport
@testable import AIArtsEngine

extension RunnerTests {
    /// The point of detaching: the task outlives the aiarts process that launched it. This process
    /// cannot die for a test, so `aiarts-test-launcher` (built beside the test binary) stands for the
    /// aiarts that launches the job, and the test kills it.
    @Suite struct Survival {
        /// The launcher, in the folder the test binary was built into.
        static func launcher() throws -> String {
            let me = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            return me.deletingLastPathComponent().appendingPathComponent("aiarts-test-launcher").path
        }

        @Test func launcherDiesTaskLives() throws {
            let box = RunnerSandbox()
            box.script("job.sh", "echo started; while [ ! -e go ]; do sleep 0.02; done; exit 5")
            let launcher = try Self.launcher()
            try #require(FileManager.default.isExecutableFile(atPath: launcher), "\(launcher) is not built (swift build builds it)")
            let helper = try DetachedProcess.launch(
                executable: launcher, arguments: [box.url.path],
                environment: RunnerSandbox.environment, workingDirectory: box.url, logFile: box.path("helper.log"))
            defer { if helper.isAlive { kill(helper.pid, SIGKILL) }; _ = helper.waitForExit(timeout: .seconds(5)) }

            let published = box.path("identity")
            #expect(waitUntil(timeout: 10) { FileManager.default.fileExists(atPath: published.path) },
                    "helper said: \((try? String(contentsOf: box.path("helper.log"), encoding: .utf8)) ?? "")")
            let fields = try String(contentsOf: published, encoding: .utf8).split(separator: " ")
            let job = ProcessIdentity(pid: try #require(Int32(fields[0])), startTime: try #require(UInt64(fields[1])))
            defer { if job.isAlive { kill(-job.pid, SIGKILL) } }
            #expect(box.waitForLog("started"))
            #expect(helper.isAlive, "the launcher must still be running when it is killed")

            kill(helper.pid, SIGKILL)
            #expect(helper.waitForExit(timeout: .seconds(5)) == .signaled(signal: SIGKILL, coreDumped: false))

            let stat = try #require(ProcessStat.read(pid: job.pid))
            #expect(job.isAlive)
            #expect(stat.session == job.pid && stat.processGroup == job.pid)
            #expect(stat.parentPID != helper.pid && stat.parentPID != getpid())

            // Watching a process that is not our child: pidfd, and the status file for the code.
            #expect(!ExitWatcher.waitUntilExited(job, timeout: .milliseconds(50)))
            box.folder.write("go", "")
            #expect(ExitWatcher.waitUntilExited(job, timeout: .seconds(5)))
            #expect(ExitWatcher.waitForExit(job, exitStatusFile: nil) == .unknown)  // unknowable from outside
            #expect(ExitWatcher.waitForExit(job, exitStatusFile: box.path("exit_status")) == .exited(code: 5))
        }
    }
}
