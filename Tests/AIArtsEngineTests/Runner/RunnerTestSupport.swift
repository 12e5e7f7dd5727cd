import Foundation
import Testing
import TestSupport
@testable import AIArtsEngine

/// Swift Testing has its own ExitStatus (for exit tests); in these files the name means ours.
typealias ExitStatus = AIArtsEngine.ExitStatus

/// Every runner suite nests under this one so `--filter RunnerTests` selects them all.
@Suite enum RunnerTests {}

/// A temp folder with helpers to write shell scripts and launch them; kills whatever it launched.
final class RunnerSandbox {
    let folder = TempFolder("aiarts-runner")
    private var launched: [LaunchedProcess] = []
    static let environment = ["PATH": "/usr/bin:/bin", "LC_ALL": "C"]

    var url: URL { folder.url }
    func path(_ name: String) -> URL { folder.path(name) }

    /// Writes an executable /bin/sh script.
    @discardableResult
    func script(_ name: String, _ body: String) -> URL {
        let url = folder.write(name, "#!/bin/sh\n" + body + "\n")
        chmod(url.path, 0o755)
        return url
    }

    /// Launches a script written with `script`; remembered for clean-up.
    func launch(_ script: URL, _ arguments: [String] = [], supervised: Bool = false,
                forceFork: Bool = false, shell: String = "/bin/sh",
                environment: [String: String] = RunnerSandbox.environment) throws -> LaunchedProcess {
        var options = DetachedProcess.LaunchOptions()
        options.forceFork = forceFork
        options.shell = shell
        // Run through /bin/sh rather than exec'ing the script: exec of a file fails with ETXTBSY
        // while any process still holds it open for writing, and with tests running in parallel a
        // fork made by another test can briefly hold the descriptor this test wrote the script with.
        let p = try DetachedProcess.launch(
            executable: "/bin/sh", arguments: [script.path] + arguments, environment: environment,
            workingDirectory: url, logFile: path("train.log"),
            exitStatusFile: supervised ? path("exit_status") : nil, options: options)
        launched.append(p)
        return p
    }

    func log() -> String { (try? String(contentsOf: path("train.log"), encoding: .utf8)) ?? "" }

    /// Waits (up to 5 s) until the log contains `text`: scripts print a marker once their traps are set.
    func waitForLog(_ text: String) -> Bool {
        waitUntil { self.log().contains(text) }
    }

    /// SIGKILLs the group of everything launched and reaps our own children.
    deinit {
        for p in launched {
            kill(-p.processGroup, SIGKILL)
            _ = ExitWatcher.waitForExit(p.identity, timeout: .seconds(2))
        }
    }
}

/// A shell other than /bin/sh to run the supervisor with, so dash and bash both get tested.
let otherShells = ["/bin/sh"] + (FileManager.default.isExecutableFile(atPath: "/bin/bash") ? ["/bin/bash"] : [])

/// Processes of a process group that have not ended. Zombies are left out: once the leader is
/// gone, its orphans are reaped by init (or a subreaper) in its own time.
func liveMembers(ofGroup group: Int32) -> [Int32] {
    let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
    return pids.filter { pid in
        guard let stat = ProcessStat.read(pid: pid) else { return false }
        return stat.processGroup == group && !stat.hasExited
    }
}
