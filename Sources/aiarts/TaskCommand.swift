import AIArtsEngine
import AIArtsRender
import ArgumentParser
import Foundation

extension TaskTrainer: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { ["builtin", "torch", "command"] }
}

struct TaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Create, start, stop, resume and inspect training tasks (docs/tasks.md).",
        subcommands: [Create.self, List.self, Show.self, Status.self, Params.self, Start.self, Stop.self, Pause.self, Continue.self, Resume.self,
                      Remove.self, Wait.self, Logs.self, Metrics.self, Eval.self, Predict.self, Export.self, Queue.self, Prune.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a training task in a project (state created until started).",
            discussion: """
                builtin (aiarts-train) takes model, epochs, batch_size, learning_rate, optimizer, image_size, seed, save_interval.
                torch takes model, epochs, batch_size, learning_rate ... (docs/torch-trainers.md).
                command takes command='python3 train.py --lr {learning_rate}' ({name} is replaced by the param), or
                startup_file=/abs/train.py (run with every param as --key value, plus --data_path and --output_path).
                Every trainer takes gpus (0,1 / auto / empty for CPU) and gpu_memory (MiB needed free on each GPU).
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Project id (P0001).") var project: String
        @Option(help: "Task name (default: its id).") var name: String?
        @Option(help: "Description.") var description = ""
        @Option(help: "builtin (aiarts-train), torch (PyTorch/torchvision) or command.") var trainer: TaskTrainer = .aiartsTrain
        @Option(name: .customLong("param"), help: ArgumentHelp("A parameter, key=value; repeat for more.", valueName: "key=value"))
        var params: [String] = []
        @Option(help: ArgumentHelp("Derive it from this task: its trainer and parameters, starting from its weights.", valueName: "TASK"))
        var from: String?
        @Option(name: .customLong("from-epoch"), help: "The parent's epoch whose weights to start from (default: its best).") var fromEpoch: Int?
        @Option(help: ArgumentHelp("With --from: remove this share of every layer's channels, then fine-tune (docs/pruning.md).", valueName: "RATIO"))
        var prune: String?
        @Option(name: .customLong("prune-from-analysis"), help: ArgumentHelp("With --from: per-layer ratios from the parent's analysis, each layer's drop at most this.", valueName: "MAX_DROP"))
        var pruneFromAnalysis: String?
        @Flag(help: "Print the task as JSON.") var json = false

        func run() throws {
            var values: [String: String] = [:]
            for text in params {
                let (key, value) = try TaskParams.parseAssignment(text)
                values[key] = value
            }
            let workspace = try global.open()
            let origin: TaskSpec.Origin = from.map { .derived(from: $0, epoch: fromEpoch) } ?? .trainer(trainer)
            let spec = TaskSpec(projectID: project, origin: origin, name: name, description: description,
                                params: values, baseDirectory: TaskCommand.workingDirectory)
            if prune != nil || pruneFromAnalysis != nil {
                return try TaskPruneCreate.run(workspace, spec: spec, ratio: prune, maxDrop: pruneFromAnalysis, json: json)
            }
            let record = try workspace.createTask(spec)
            if json { try Output.json(try workspace.taskDetail(record.id)) } else { print(record.id) }
        }
    }

    /// Where relative paths in parameters (a startup file) are taken from: where the command runs.
    static var workingDirectory: URL { URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true) }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tasks, reconciling running ones with the process table.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this project's tasks.") var project: String?
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            try workspace.refreshTasks()
            let tasks = try workspace.tasks(projectID: project)
            if json { return try Output.json(tasks.map(workspace.taskDetail)) }
            Output.table(["ID", "PROJECT", "NAME", "TRAINER", "STATE", "MESSAGE"], tasks.map {
                [$0.id, $0.projectId, Sanitize.line($0.name), $0.trainer, $0.status, Sanitize.line($0.statusMessage)]
            })
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a task: state, parameters, process, folder.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Task id (T0001).") var id: String
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            try workspace.refreshTasks()
            let detail = try workspace.taskDetail(id)
            if json { return try Output.json(detail) }
            let t = detail.task
            let name = t.name.isEmpty || t.name == t.id ? "" : "  " + Sanitize.line(t.name)
            print("\(t.id)\(name)  (project \(t.projectId), trainer \(t.trainer))")
            // The message only when it says more than the state ("finished" twice says nothing).
            let message = t.statusMessage == t.status ? "" : "  " + Sanitize.line(t.statusMessage)
            print("state:   \(t.status)\(message)")
            if let note = workspace.pausedNote(t) { print("         \(Sanitize.line(note))") }
            if let pid = t.pid, t.taskStatus?.hasProcess == true { print("process: pid \(pid)") }
            if let started = t.startedAt { print("started: \(started.formatted(.iso8601))") }
            // A task that waited for GPU memory (waiting_gpu) ran later than it was started: when it really ran.
            if let launched = t.launchedAt, let started = t.startedAt, launched.timeIntervalSince(started) >= 1 {
                print("launched: \(launched.formatted(.iso8601)) (\(Metrics.duration(launched.timeIntervalSince(started))) after it was started)")
            }
            if let finished = t.finishedAt { print("ended:   \(finished.formatted(.iso8601))") }
            for line in workspace.executorLines(t.id) { print(Sanitize.line(line)) }
            print("folder:  \(detail.folder)")
            print("params:")
            for (key, value) in detail.params.sorted(by: { $0.key < $1.key }) { print("  \(key) = \(Sanitize.line(value))") }
            if let report = try workspace.prunedTaskReport(id) { PruneText.reportLines(report).forEach { print($0) } }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A task's state and progress: epoch, step, ETA; the reason and last log lines when it failed.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Task id.") var id: String
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let s = try global.open().taskStatus(id)
            if json { return try Output.json(s) }
            var line = "\(s.id) \(s.state)"
            if let epoch = s.epoch { line += ", epoch \(Metrics.number(epoch))" + (s.epochs.map { "/\($0)" } ?? "") }
            if let progress = s.progress { line += String(format: " (%.0f%%)", progress * 100) }
            if let eta = s.eta, s.state == "running" { line += ", ETA \(Metrics.duration(eta))" }
            print(line)
            if !s.message.isEmpty, s.message != s.state { print(Sanitize.line(s.message)) }
            for text in s.logTail ?? [] { print("  | " + Sanitize.line(text)) }
        }
    }

    struct Params: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a task's parameters, or set some (only before it starts).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Task id.") var id: String
        @Argument(help: ArgumentHelp("Parameters to set.", valueName: "key=value")) var assignments: [String] = []
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            for text in assignments {
                let (key, value) = try TaskParams.parseAssignment(text)
                try workspace.setTaskParams(id, [key: value], baseDirectory: TaskCommand.workingDirectory)
            }
            let params = try workspace.taskParams(id)
            if json { return try Output.json(params) }
            for (key, value) in params.sorted(by: { $0.key < $1.key }) { print("\(key)=\(Sanitize.line(value))") }
        }
    }

    /// What start and resume print: running with its pid, or waiting for GPU memory (the engine
    /// has started the queue worker, detached, to start it when there is room).
    static func report(_ start: TaskStart) {
        switch start {
        case .running(let record):
            print("\(record.id) running (pid \(record.pid.map(String.init) ?? "?")); `aiarts task logs -f \(record.id)` follows its output")
        case .waitingGPU(let record, let reason):
            print("\(record.id) waiting_gpu: \(Sanitize.line(reason)); it starts when there is room")
        case .other(let record):
            print("\(record.id) \(record.status): \(Sanitize.line(record.statusMessage))")
        }
    }

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a created task, or a failed one again from scratch; it runs detached and outlives this command and the SSH session.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Task id.") var id: String
        @Option(name: .customLong("on"), help: ArgumentHelp("Run it on this executor (`aiarts executor list`; `local`: this machine). Default: where it last ran, else its project's default.", valueName: "NAME"))
        var executor: String?

        func run() throws {
            TaskCommand.report(try global.open().startTask(id, on: executor, worker: .thisExecutable))
        }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a stopped, failed or finished task again from a saved checkpoint; its curves continue. --epochs N trains it on to N epochs.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Task id.") var id: String
        @Option(help: "The epoch whose checkpoint to continue from (default: the last saved).") var epoch: Int?
        @Option(help: "Train to this many epochs in all (more than it has done): extends a finished or stopped task.") var epochs: Int?

        func run() throws {
            TaskCommand.report(try global.open().resumeTask(id, epoch: epoch, epochs: epochs, worker: .thisExecutable))
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a task: SIGTERM, then SIGKILL after the grace period.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Task id.") var id: String
        @Option(help: "Seconds to wait after SIGTERM before SIGKILL.") var grace: Double = 10

        func validate() throws {
            guard grace >= 0, grace.isFinite else { throw ValidationError("--grace must be 0 or more seconds") }
        }

        func run() throws {
            let record = try global.open().stopTask(id, grace: .milliseconds(Int64(grace * 1000)))
            print("\(record.id) \(record.status): \(Sanitize.line(record.statusMessage))")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm", abstract: "Delete a task: its record and its folder (checkpoints, logs, exports); --force stops a running one first.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Task id.") var id: String
        @Flag(help: "Stop it first when it runs or waits for a GPU, instead of refusing.") var force = false
        @Option(help: "With --force: seconds to wait after SIGTERM before SIGKILL.") var grace: Double = 10
        @Flag(help: "Print what was deleted as JSON.") var json = false

        func validate() throws {
            guard grace >= 0, grace.isFinite else { throw ValidationError("--grace must be 0 or more seconds") }
        }

        func run() throws {
            let removal = try global.open().deleteTask(id, force: force, grace: .milliseconds(Int64(grace * 1000)))
            if json { return try Output.json(removal) }
            print("deleted \(removal.id)\(removal.stopped ? " (stopped first)" : ""): \(Sanitize.line(removal.folder)), "
                  + String(format: "%.1f MiB", Double(removal.bytes) / 1_048_576))
            if !removal.checkpoints.isEmpty { print("  checkpoints: " + removal.checkpoints.map(Sanitize.line).joined(separator: ", ")) }
            if !removal.exports.isEmpty { print("  exports: " + removal.exports.map(Sanitize.line).joined(separator: ", ")) }
            if !removal.keptModels.isEmpty {
                print("  kept: registered models made from it hold their own copy: " + removal.keptModels.joined(separator: ", "))
            }
        }
    }

    struct Wait: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Wait until a task ends; exit status 0 only if it finished.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Task id.") var id: String

        func run() throws {
            let record = try global.open().waitForTask(id)
            guard record.status == TaskStatus.finished.rawValue else {
                Output.error("\(record.id) \(record.status): \(Sanitize.line(record.statusMessage))")
                throw ExitCode(1)
            }
            print("\(record.id) finished")
        }
    }

    struct Logs: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "logs", abstract: "Print a task's train.log (escape sequences removed); -f follows it.", aliases: ["log"])
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Task id.") var id: String
        @Option(name: .short, help: "Only the last N lines.") var n: Int?
        @Flag(name: [.short, .customLong("follow")], help: "Keep printing new lines until the task ends.") var f = false

        func run() throws {
            if let n, n < 0 { throw ValidationError("-n must be 0 or more") }
            let workspace = try global.open()
            if !f {
                for line in try workspace.taskLog(id, lines: n) { print(Self.shown(line)) }
                return
            }
            try workspace.followTaskLog(id, lines: n ?? 10) { line in
                print(Self.shown(line))
                fflush(nil)
            }
        }

        /// Progress bars redraw with \r; show the last state of the line, as a terminal would.
        static func shown(_ line: String) -> String {
            Sanitize.text(line.split(separator: "\r", omittingEmptySubsequences: true).last.map(String.init) ?? "")
        }
    }

    struct Queue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tasks waiting for GPU memory; --run is the worker that starts them (launched by `task start`).")
        @OptionGroup var global: GlobalOptions
        @Flag(name: .customLong("run"), help: "Run the queue in the foreground until nothing waits.") var worker = false
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            if worker { return try workspace.runGPUQueue() }
            let waiting = try workspace.waitingTasks()
            if json { return try Output.json(try waiting.map { try workspace.taskDetail($0.id) }) }
            if waiting.isEmpty { return print("no task is waiting for a GPU") }
            Output.table(["ID", "PROJECT", "NAME", "WAITING FOR"], waiting.map {
                [$0.id, $0.projectId, Sanitize.line($0.name), Sanitize.line($0.statusMessage)]
            })
        }
    }

    struct Metrics: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Summarise a task's metrics: last values, best eval values, progress, ETA.",
            discussion: "Read from metrics.jsonl, else train.log, plus event files and trainer CSVs in the task folder. --json prints every point: {\"SERIES\": [{\"epoch\", \"step\", \"value\", \"time\"}, ...], ...}.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Task id.") var id: String
        @Flag(help: "Print every point as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            if json { return try MetricsOutput.writeJSON(try workspace.taskMetricTable(id).table) }
            let m = try workspace.taskMetrics(id)
            let p = m.progress
            var parts: [String] = []
            if let step = p.step { parts.append("step \(step)" + (p.steps.map { "/\($0)" } ?? "")) }
            if let epoch = p.epoch { parts.append("epoch \(Self.number(epoch))" + (p.epochs.map { "/\($0)" } ?? "")) }
            if let rate = p.stepsPerSecond { parts.append(String(format: "%.2f steps/s", rate)) }
            if let eta = p.eta { parts.append("ETA \(Self.duration(eta))") }
            print(parts.isEmpty ? "no metrics yet" : parts.joined(separator: ", "))
            if !m.series.isEmpty {
                Output.table(["SERIES", "LAST", "POINTS"], m.series.map { [Sanitize.line($0.name), Self.number($0.last), String($0.points)] })
            }
            for b in m.best { print("best \(Sanitize.line(b.name)) = \(Self.number(b.value))" + (b.epoch.map { " at epoch \(Self.number($0))" } ?? "")) }
            if !m.checkpoints.isEmpty {
                // The last checkpoint marked best is the best one: "best" means best so far when written.
                let bestPath = m.checkpoints.last(where: \.best)?.path
                print("checkpoints: " + m.checkpoints.map { c in
                    Sanitize.line(c.path ?? "?") + (c.path != nil && c.path == bestPath ? " (best)" : "")
                }.joined(separator: ", "))
            }
            if !m.skipped.isEmpty { print(m.skipped) }
        }

        static func number(_ x: Double) -> String {
            x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(format: "%.4g", x)
        }

        static func duration(_ seconds: Double) -> String {
            let s = Int(seconds.rounded())
            return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
        }
    }
}
