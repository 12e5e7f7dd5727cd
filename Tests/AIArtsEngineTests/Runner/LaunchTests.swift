import Foundation
import Testing
import TestSupport
@testable import AIArtsEngine

extension RunnerTests {
    @Suite struct Launch {
        @Test(arguments: [false, true])
        func sleeperHasIdentitySessionAndGroup(forceFork: Bool) throws {
            let box = RunnerSandbox()
            let sleeper = box.script("sleep.sh", "exec sleep 30")
            let p = try box.launch(sleeper, forceFork: forceFork)
            #expect(p.isAlive)
            #expect(p.processGroup == p.pid)
            let stat = try #require(ProcessStat.read(pid: p.pid))
            #expect(stat.startTime == p.startTime)
            #expect(stat.session == p.pid)  // field 6: a session of its own, no controlling terminal
            #expect(stat.parentPID == getpid())
            // The start time is ticks after boot: it cannot lie in the future.
            let uptime = try String(contentsOfFile: "/proc/uptime", encoding: .utf8).split(separator: " ")[0]
            #expect(Double(p.startTime) / Double(sysconf(Int32(_SC_CLK_TCK))) <= Double(uptime)! + 1)
            kill(p.pid, SIGKILL)
            #expect(p.waitForExit(timeout: .seconds(5)) == .signaled(signal: SIGKILL, coreDumped: false))
            #expect(!p.isAlive)
        }

        @Test(arguments: [false, true])
        func logGetsStdoutAndStderrAndStdinIsEmpty(forceFork: Bool) throws {
            let box = RunnerSandbox()
            box.folder.write("train.log", "earlier run\n")
            let s = box.script("io.sh", """
                echo to-stdout
                echo to-stderr >&2
                if read line; then echo "stdin gave: $line"; else echo stdin-eof; fi
                ls -l /proc/$$/fd/0 | sed 's/.*-> //'
                """)
            let p = try box.launch(s, forceFork: forceFork)
            #expect(p.waitForExit(timeout: .seconds(5)) == .exited(code: 0))
            let lines = box.log().split(separator: "\n").map(String.init)
            #expect(lines == ["earlier run", "to-stdout", "to-stderr", "stdin-eof", "/dev/null"])
        }

        @Test(arguments: [false, true])
        func onlyStandardDescriptorsAreInherited(forceFork: Bool) throws {
            let box = RunnerSandbox()
            // A descriptor this process leaks (no O_CLOEXEC), as a careless library might.
            let leaked = open(box.path("leak").path, O_WRONLY | O_CREAT, 0o600)
            defer { close(leaked) }
            #expect(leaked > 2)
            let s = box.script("fds.sh", "exec sleep 30")
            let p = try box.launch(s, forceFork: forceFork)
            // Until it execs sleep, the shell holds its script open; look at sleep itself.
            #expect(waitUntil { ProcessStat.read(pid: p.pid)?.command == "sleep" })
            // sleep may hold a descriptor of its own for an instant after exec (setlocale opening the
            // locale archive): an inherited one would stay, so wait for the set to settle.
            func fds() -> [Int] {
                ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(p.pid)/fd")) ?? []).compactMap { Int($0) }.sorted()
            }
            #expect(waitUntil { fds() == [0, 1, 2] }, "descriptors of the child: \(fds())")
        }

        @Test func environmentAndWorkingDirectoryAreExactlyAsGiven() throws {
            let box = RunnerSandbox()
            let s = box.script("env.sh", "pwd; env | grep -v '^PWD=' | grep -v '^SHLVL=' | grep -v '^_=' | sort")
            let p = try box.launch(s, environment: ["PATH": "/usr/bin:/bin", "CUDA_VISIBLE_DEVICES": "1,2", "NAME": "猫 cat"])
            #expect(p.waitForExit(timeout: .seconds(5)) == .exited(code: 0))
            let lines = box.log().split(separator: "\n").map(String.init)
            #expect(lines.first.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
                    == box.url.resolvingSymlinksInPath().path)
            #expect(Array(lines.dropFirst()) == ["CUDA_VISIBLE_DEVICES=1,2", "NAME=猫 cat", "PATH=/usr/bin:/bin"])
        }

        @Test func bareNameIsFoundOnTheChildsPath() throws {
            let box = RunnerSandbox()
            let p = try DetachedProcess.launch(executable: "echo", arguments: ["hi"], environment: RunnerSandbox.environment,
                                               workingDirectory: box.url, logFile: box.path("train.log"))
            #expect(p.waitForExit(timeout: .seconds(5)) == .exited(code: 0))
            #expect(box.log() == "hi\n")
        }

        @Test func errorsSayWhatToFix() throws {
            let box = RunnerSandbox()
            let ok = box.script("ok.sh", "true")
            let plain = box.folder.write("plain.sh", "true")
            func launch(_ exe: String, cwd: URL? = nil, log: URL? = nil) throws(RunnerError) {
                _ = try DetachedProcess.launch(executable: exe, arguments: [], environment: RunnerSandbox.environment,
                                               workingDirectory: cwd ?? box.url, logFile: log ?? box.path("train.log"))
            }
            #expect(throws: RunnerError.executableNotFound(name: "no-such-trainer", searchPath: "/usr/bin:/bin")) {
                try launch("no-such-trainer")
            }
            #expect(throws: RunnerError.notExecutable(path: plain.path)) { try launch(plain.path) }
            #expect(throws: RunnerError.badWorkingDirectory(path: box.path("gone").path)) {
                try launch(ok.path, cwd: box.path("gone"))
            }
            let badLog = box.path("no/such/folder/train.log")
            #expect(throws: RunnerError.cannotOpen(path: badLog.path, errno: ENOENT)) { try launch(ok.path, log: badLog) }
            #expect(RunnerError.cannotOpen(path: badLog.path, errno: ENOENT).description.contains("No such file or directory"))
            #expect(RunnerError.executableNotFound(name: "x", searchPath: "/bin").description.contains("command not found"))
        }
    }
}
