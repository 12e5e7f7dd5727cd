import Foundation

/// What `startTask` runs for a task: the program, its arguments and the environment added to
/// aiarts's own. Built from the record alone, so command.txt can say exactly what was launched.
struct TaskLaunchPlan: Equatable {
    var executable: String
    var arguments: [String]
    /// Variables added to (or replacing those in) the environment aiarts itself runs with.
    var addedEnvironment: [String: String]

    static func make(task: TaskRecord, params: [String: String], datasetID: String?, workspace: URL,
                     folder: URL, locateTrainer: () -> String?) throws -> TaskLaunchPlan {
        var env = ["AIARTS_METRICS": folder.appendingPathComponent("metrics.jsonl").path]
        if let gpus = params["gpus"] { env["CUDA_VISIBLE_DEVICES"] = gpus }
        switch TaskTrainer(rawValue: task.trainer) {
        case .command:
            guard let command = params["command"], !command.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw AIArtsError(.invalidArgument, "\(task.id) has no command to run; set one with `aiarts task params \(task.id) command='python3 train.py'`")
            }
            return TaskLaunchPlan(executable: "/bin/sh", arguments: ["-c", command], addedEnvironment: env)
        case .aiartsTrain:
            guard let datasetID else {
                throw AIArtsError(.invalidArgument, "project \(task.projectId) has no dataset; aiarts-train needs one (create the project with --dataset D0001)")
            }
            guard let trainer = locateTrainer() else {
                throw AIArtsError(.notFound, "the built-in trainer `aiarts-train` was not found next to aiarts or on PATH; `swift build` builds it beside aiarts (install both together), or use --trainer command")
            }
            let p = TaskParams.aiartsTrainDefaults.merging(params) { $1 }
            let arguments = [
                "train", "--workspace", workspace.path, "--dataset", datasetID, "--out", folder.path,
                "--epochs", p["epochs"]!, "--batch-size", p["batch_size"]!, "--lr", p["learning_rate"]!,
                "--optimizer", p["optimizer"]!, "--image-size", p["image_size"]!, "--model", p["model"]!,
                "--seed", p["seed"]!, "--save-interval", p["save_interval"]!,
            ]
            return TaskLaunchPlan(executable: trainer, arguments: arguments, addedEnvironment: env)
        case nil:
            throw AIArtsError(.badInput, "\(task.id) has an unknown trainer '\(task.trainer)'")
        }
    }

    /// command.txt: enough to run the same thing again by hand, shell-quoted.
    func commandText(taskID: String, folder: URL, startedAt: Date) -> String {
        let env = addedEnvironment.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quote($0.value))" }
        return """
            # \(taskID), started \(ISO8601DateFormatter().string(from: startedAt)); stdout and stderr go to train.log
            # environment: aiarts's own, plus the variables below
            cd \(Self.quote(folder.path)) && \\
            \((env + ([executable] + arguments).map(Self.quote)).joined(separator: " "))

            """
    }

    /// Single-quotes a word for sh unless it is plainly safe.
    static func quote(_ word: String) -> String {
        let safe = !word.isEmpty && word.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_./:=,+@%".unicodeScalars.contains($0))
        }
        return safe ? word : "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    /// The built-in trainer: `aiarts-train` in the folder of the running executable (found through
    /// /proc/self/exe, so a symlinked or PATH-less aiarts still finds its sibling), else on PATH.
    static func locateBuiltInTrainer(selfExecutable: String? = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
                                     path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        if let selfExecutable {
            let sibling = URL(fileURLWithPath: selfExecutable).deletingLastPathComponent().appendingPathComponent("aiarts-train").path
            if DetachedProcess.isExecutableFile(sibling) { return sibling }
        }
        for dir in (path ?? "").split(separator: ":") where dir.hasPrefix("/") {
            let candidate = "\(dir)/aiarts-train"
            if DetachedProcess.isExecutableFile(candidate) { return candidate }
        }
        return nil
    }
}

/// The last lines of a text file, read from its end so a huge log costs no more than its tail.
enum FileTail {
    static func lines(_ url: URL, count: Int, maxBytes: Int = 256 << 10) -> [String] {
        guard count > 0, let handle = try? FileHandle(forReadingFrom: url) else { return [] }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd() else { return [] }
        let start = size > UInt64(maxBytes) ? size - UInt64(maxBytes) : 0
        guard (try? handle.seek(toOffset: start)) != nil, let data = try? handle.readToEnd() else { return [] }
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if start > 0, !lines.isEmpty { lines.removeFirst() }  // cut mid-line
        if lines.last == "" { lines.removeLast() }
        return Array(lines.suffix(count))
    }
}
