import Foundation
import Testing
@testable import AIArtsEngine

extension RunnerTests {
    /// The point of detaching: the task outlives the aiarts process that launched it. This process
    /// cannot die for a test, so it runs this test binary again as the launcher and kills that.
    @Suite struct Survival {
        static let helperVariable = "AIARTS_RUNNER_HELPER_DIR"

        /// Does work only when `launcherDiesTaskLives` runs this binary as its helper: launches the
        /// job, publishes its identity, then waits to be SIGKILLed.
        @Test func helperLaunchesThenWaitsToBeKilled() throws {
            guard let dir = ProcessInfo.processInfo.environment[Self.helperVariable] else { return }
            let folder = URL(fileURLWithPath: dir)
            let p = try DetachedProcess.launch(
                executable: "/bin/sh", arguments: [folder.appendingPathComponent("job.sh").path],
                environment: RunnerSandbox.environment, workingDirectory: folder,
                logFile: folder.appendingPathComponent("train.log"),
                exitStatusFile: folder.appendingPathComponent("exit_status"))
            let temp = folder.appendingPathComponent("identity.tmp")
            try "\(p.pid) \(p.startTime)".write(to: temp, atomically: false, encoding: .utf8)
            rename(temp.path, folder.appendingPathComponent("identity").path)
            sleep(30)
        }

        @Test func launcherDiesTaskLives() throws {
            let box = RunnerSandbox()
            box.script("job.sh", "echo started; while [ ! -e go ]; do sleep 0.02; done; exit 5")
            let me = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
            var env = RunnerSandbox.environment
            env[Self.helperVariable] = box.url.path
            let helper = try DetachedProcess.launch(
                executable: me,
                arguments: ["--testing-library", "swift-testing",
                            "--filter", "RunnerTests.Survival/helperLaunchesThenWaitsToBeKilled"],
                environment: env, workingDirectory: box.url, logFile: box.path("helper.log"))
            defer { if helper.isAlive { kill(helper.pid, SIGKILL) }; _ = helper.waitForExit(timeout: .seconds(5)) }

            let published = box.path("identity")
            #expect(eventually(10) { FileManager.default.fileExists(atPath: published.path) },
                    "helper said: \((try? String(contentsOf: box.path("helper.log"), encoding: .utf8)) ?? "")")
            let fields = try String(contentsOf: published, encoding: .utf8).split(separator: " ")
            let job = ProcessIdentity(pid: try #require(Int32(fields[0])), startTime: try #require(UInt64(fields[1])))
            defer { if job.isAlive { kill(-job.pid, SIGKILL) } }
            #expect(box.waitForLog("started"))

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
