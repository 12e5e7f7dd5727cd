import AIArtsEngine
import AIArtsRender
import ArgumentParser
import Foundation

extension TaskTrainer: ExpressibleByArgument {}

struct TaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Create, start, stop and inspect training tasks (docs/tasks.md).",
        subcommands: [Create.self, List.self, Show.self, Params.self, Start.self, Stop.self, Log.self, Metrics.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a training task in a project (queued until started).",
            discussion: "aiarts-train takes model, epochs, batch_size, learning_rate, optimizer, image_size, seed, save_interval, gpus; a command task takes command='python3 train.py ...' and gpus.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Project id (P0001).") var project: String
        @Option(help: "Task name (default: its id).") var name: String?
        @Option(help: "aiarts-train (built in) or command (a shell command, --param command='...').") var trainer: TaskTrainer = .aiartsTrain
        @Option(name: .customLong("param"), help: ArgumentHelp("A parameter, key=value; repeat for more.", valueName: "key=value"))
        var params: [String] = []
        @Flag(help: "Print the task as JSON.") var json = false

        func run() throws {
            var values: [String: String] = [:]
            for text in params {
                let (key, value) = try TaskParams.parseAssignment(text)
                values[key] = value
            }
            let workspace = try global.open()
            let record = try workspace.createTask(projectID: project, name: name, trainer: trainer, params: values)
            if json { try Output.json(try workspace.taskDetail(record.id)) } else { print(record.id) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tasks, reconciling running ones with the process table.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this project's tasks.") var project: String?
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            try workspace.refreshTasks()
            let tasks = try workspace.tasks(projectID: project)
            if json { return try Output.json(tasks) }
            Output.table(["ID", "PROJECT", "NAME", "TRAINER", "STATUS", "MESSAGE"], tasks.map {
                [$0.id, $0.projectId, Sanitize.line($0.name), $0.trainer, $0.status, Sanitize.line($0.statusMessage)]
            })
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a task: status, parameters, process, folder.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Task id (T0001).") var id: String
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            try workspace.refreshTasks()
            let detail = try workspace.taskDetail(id)
            if json { return try Output.json(detail) }
            let t = detail.task
            print("\(t.id)  \(Sanitize.line(t.name))  (project \(t.projectId), trainer \(t.trainer))")
            print("status:  \(t.status)  \(Sanitize.line(t.statusMessage))")
            if let pid = t.pid { print("process: pid \(pid)") }
            if let started = t.startedAt { print("started: \(started.formatted(.iso8601))") }
            if let finished = t.finishedAt { print("ended:   \(finished.formatted(.iso8601))") }
            print("folder:  \(detail.folder)")
            print("params:")
            for (key, value) in detail.params.sorted(by: { $0.key < $1.key }) { print("  \(key) = \(Sanitize.line(value))") }
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
                try workspace.setTaskParam(id, key: key, value: value)
            }
            let params = try workspace.taskParams(id)
            if json { return try Output.json(params) }
            for (key, value) in params.sorted(by: { $0.key < $1.key }) { print("\(key)=\(Sanitize.line(value))") }
        }
    }

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a queued task; it runs detached and outlives this command and the SSH session.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Task id.") var id: String

        func run() throws {
            let record = try global.open().startTask(id)
            print("\(record.id) running (pid \(record.pid.map(String.init) ?? "?")); `aiarts task log \(record.id)` follows its output")
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

    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a task's train.log (escape sequences removed).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Task id.") var id: String
        @Option(name: .short, help: "Only the last N lines.") var n: Int?

        func run() throws {
            if let n, n < 0 { throw ValidationError("-n must be 0 or more") }
            for line in try global.open().taskLog(id, lines: n) {
                // Progress bars redraw with \r; show the last state of the line, as a terminal would.
                let shown = line.split(separator: "\r", omittingEmptySubsequences: true).last.map(String.init) ?? ""
                print(Sanitize.text(shown))
            }
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
