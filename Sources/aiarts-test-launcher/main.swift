import AIArtsEngine
import Foundation

// aiarts-test-launcher FOLDER: the short-lived aiarts of RunnerTests.Survival, which launches
// FOLDER/job.sh detached as aiarts launches a trainer, publishes the job's identity in
// FOLDER/identity ("pid starttime", renamed into place whole) and then waits to be SIGKILLed.
// It is a program of its own so that the test binary never runs a fake test; not installed.
let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: aiarts-test-launcher FOLDER\n".utf8))
    exit(2)
}
let folder = URL(fileURLWithPath: arguments[1])
do {
    let job = try DetachedProcess.launch(
        executable: "/bin/sh", arguments: [folder.appendingPathComponent("job.sh").path],
        environment: ProcessInfo.processInfo.environment, workingDirectory: folder,
        logFile: folder.appendingPathComponent("train.log"),
        exitStatusFile: folder.appendingPathComponent("exit_status"))
    let temp = folder.appendingPathComponent("identity.tmp")
    try "\(job.pid) \(job.startTime)".write(to: temp, atomically: false, encoding: .utf8)
    guard rename(temp.path, folder.appendingPathComponent("identity").path) == 0 else {
        FileHandle.standardError.write(Data("aiarts-test-launcher: cannot publish the identity: \(String(cString: strerror(errno)))\n".utf8))
        exit(1)
    }
} catch {
    FileHandle.standardError.write(Data("aiarts-test-launcher: \(error)\n".utf8))
    exit(1)
}
while true { pause() }
