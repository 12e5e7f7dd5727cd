import Foundation

/// What `startTask` runs for a task: the program, its arguments and the environment added to
/// aiarts's own. Built from the record alone, so command.txt can say exactly what was launched.
struct TaskLaunchPlan: Equatable {
    var executable: String
    var arguments: [String]
    /// Variables added to (or replacing those in) the environment aiarts itself runs with.
    var addedEnvironment: [String: String]

    /// What a launch knows besides the record: resolved when the task starts or resumes.
    struct Context {
        var params: [String: String]
        var datasetID: String?
        var datasetFolder: URL?
        var workspace: URL
        var folder: URL
        /// The GPUs the task got (empty: CPU).
        var gpus: [Int]
        /// The checkpoint a resumed run continues from.
        var resumeFrom: String?
        /// The Python that runs the torch trainer or a .py startup file (`Workspace.python(params:)`).
        var python: String = PythonChoice.defaultPath
    }

    static func make(task: TaskRecord, context c: Context, locateTrainer: () -> String?) throws -> TaskLaunchPlan {
        var env = ["AIARTS_METRICS": c.folder.appendingPathComponent("metrics.jsonl").path]
        // gpus= (empty) asks for the CPU: "" hides every GPU, so the task never grabs one by accident.
        if !c.gpus.isEmpty || c.params["gpus"] == "" {
            env["CUDA_VISIBLE_DEVICES"] = c.gpus.map(String.init).joined(separator: ",")
        }
        switch TaskTrainer(rawValue: task.trainer) {
        case .command:
            if let startup = c.params["startup_file"], !startup.isEmpty {
                return try startupFilePlan(task: task, path: startup, context: c, env: env)
            }
            guard let command = c.params["command"], !command.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw AIArtsError(.invalidArgument, "\(task.id) has no command to run; set one with `aiarts task params \(task.id) command='python3 train.py'` or startup_file=/path/train.py")
            }
            let line = CommandTemplate.expand(command, values: templateValues(c))
            if c.resumeFrom != nil, !command.contains("{resume}") {
                throw AIArtsError(.invalidArgument, "\(task.id)'s command has no {resume} placeholder, so it cannot be told where to continue from; add e.g. `--resume {resume}` to it")
            }
            return TaskLaunchPlan(executable: "/bin/sh", arguments: ["-c", line], addedEnvironment: env)
        case .aiartsTrain:
            guard let datasetID = c.datasetID else {
                throw AIArtsError(.invalidArgument, "project \(task.projectId) has no dataset; aiarts-train needs one (create the project with --dataset D0001)")
            }
            guard let trainer = locateTrainer() else {
                throw AIArtsError(.notFound, "the built-in trainer `aiarts-train` was not found next to aiarts or on PATH; `swift build` builds it beside aiarts (install both together), or use --trainer command")
            }
            let p = TaskParams.aiartsTrainDefaults.merging(c.params) { $1 }
            var arguments = [
                "train", "--workspace", c.workspace.path, "--dataset", datasetID, "--out", c.folder.path,
                "--epochs", p["epochs"]!, "--batch-size", p["batch_size"]!, "--lr", p["learning_rate"]!,
                "--optimizer", p["optimizer"]!, "--image-size", p["image_size"]!, "--model", p["model"]!,
                "--seed", p["seed"]!, "--save-interval", p["save_interval"]!,
                // A task from before keep_checkpoints existed keeps all, as it did.
                "--keep-checkpoints", c.params["keep_checkpoints"] ?? "0",
            ]
            if let resume = c.resumeFrom {
                arguments += ["--resume-from", resume]
            } else if let weights = c.params["pretrained"], !weights.isEmpty {
                // A derived task (`--from`): the parent's weights, fine-tuned from epoch 1.
                arguments += ["--init-from", weights]
            }
            return TaskLaunchPlan(executable: trainer, arguments: arguments, addedEnvironment: env)
        case .torch:
            let (argv, added) = try TorchTrainer.command(
                params: c.params.filter { !TaskParams.engineKeys.contains($0.key) && !TaskParams.commonKeys.contains($0.key) },
                manifest: c.folder.appendingPathComponent(TorchTrainer.manifestFileName), taskFolder: c.folder,
                gpus: c.gpus, python: c.python, resumeFrom: c.resumeFrom)
            // It prunes its own run's checkpoints as it goes; the engine prunes the rest at the end.
            let keep = c.params["keep_checkpoints"].map { ["--keep-checkpoints", $0] } ?? []
            return TaskLaunchPlan(executable: argv[0], arguments: Array(argv.dropFirst()) + keep, addedEnvironment: env.merging(added) { $1 })
        case nil:
            throw AIArtsError(.badInput, "\(task.id) has an unknown trainer '\(task.trainer)'")
        }
    }

    /// `{name}` values a command line may use: every param, plus where things are.
    private static func templateValues(_ c: Context) -> [String: String] {
        var values = c.params
        for key in TaskParams.engineKeys { values[key] = nil }
        values["data_path"] = c.datasetFolder?.path ?? ""
        values["dataset"] = c.datasetID ?? ""
        values["output_path"] = c.folder.path
        values["gpus"] = c.gpus.map(String.init).joined(separator: ",")
        values["resume"] = c.resumeFrom ?? ""
        return values
    }

    /// AIArts's startup files: `python3 train.py --key value ... --data_path D --output_path O`
    /// (a .sh file runs under /bin/sh the same way).
    private static func startupFilePlan(task: TaskRecord, path: String, context c: Context, env: [String: String]) throws -> TaskLaunchPlan {
        guard path.hasPrefix("/") else {
            throw AIArtsError(.invalidArgument, "startup_file must be an absolute path (got \(path))")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw AIArtsError(.notFound, "\(task.id)'s startup file \(path) does not exist or cannot be read")
        }
        let interpreter: String
        switch URL(fileURLWithPath: path).pathExtension {
        case "py": interpreter = c.python
        case "sh": interpreter = "/bin/sh"
        default: throw AIArtsError(.invalidArgument, "startup_file must be a .py or .sh file (got \(path))")
        }
        let passed = c.params.filter { !TaskParams.commandOwnKeys.contains($0.key) && !TaskParams.engineKeys.contains($0.key) }
        var arguments = [path]
        for (key, value) in passed.sorted(by: { $0.key < $1.key }) { arguments += ["--\(key)", value] }
        arguments += ["--data_path", c.datasetFolder?.path ?? "", "--output_path", c.folder.path]
        if let resume = c.resumeFrom { arguments += ["--resume", resume] }
        return TaskLaunchPlan(executable: interpreter, arguments: arguments, addedEnvironment: env)
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

/// `{name}` substitution in a command task's command line: `{name}` where name is a parameter
/// (or data_path, output_path, dataset, gpus, resume) becomes its value, shell-quoted so a value
/// with spaces or quotes stays one word. Anything else in braces is left alone, so JSON, awk
/// programs and `${VAR}` pass through untouched.
enum CommandTemplate {
    static func expand(_ template: String, values: [String: String]) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            let afterOpen = rest.index(after: open)
            let isShellVariable = open > rest.startIndex && rest[rest.index(before: open)] == "$"
            if !isShellVariable, let close = rest[afterOpen...].firstIndex(of: "}"),
               let value = values[String(rest[afterOpen..<close])] {
                out += rest[..<open]
                out += TaskLaunchPlan.quote(value)
                rest = rest[rest.index(after: close)...]
            } else {
                out += rest[...open]
                rest = rest[afterOpen...]
            }
        }
        return out + rest
    }
}

/// The last lines of a text file, read from its end so a huge log costs no more than its tail.
enum FileTail {
    /// `endingAt`: read only the bytes before this offset (the file may be growing).
    static func lines(_ url: URL, count: Int, maxBytes: Int = 256 << 10, endingAt end: UInt64? = nil) -> [String] {
        guard count > 0, let handle = try? FileHandle(forReadingFrom: url) else { return [] }
        defer { try? handle.close() }
        guard let fileSize = try? handle.seekToEnd() else { return [] }
        let size = min(fileSize, end ?? fileSize)
        let start = size > UInt64(maxBytes) ? size - UInt64(maxBytes) : 0
        guard (try? handle.seek(toOffset: start)) != nil, let data = try? handle.read(upToCount: Int(size - start)) ?? Data() else { return [] }
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if start > 0, !lines.isEmpty { lines.removeFirst() }  // cut mid-line
        if lines.last == "" { lines.removeLast() }
        return Array(lines.suffix(count))
    }
}
