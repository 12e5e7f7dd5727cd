import AIArtsEngine
import AIArtsRender
import ArgumentParser
import Foundation

/// `aiarts task pause T` and `aiarts task continue T` (docs/tasks.md, "Pausing").
extension TaskCommand {
    struct Pause: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pause a running task (SIGSTOP of its processes); it keeps its memory and GPU memory until `task continue`.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Task id.") var id: String
        @Flag(help: "Print the task as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            let record = try workspace.pauseTask(id)
            if json { return try Output.json(workspace.taskDetail(record)) }
            print("\(record.id) \(Sanitize.line(workspace.pausedNote(record) ?? record.status)); `aiarts task continue \(record.id)` continues it")
        }
    }

    struct Continue: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Continue a paused task (SIGCONT of its processes).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Task id.") var id: String
        @Flag(help: "Print the task as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            let record = try workspace.continueTask(id)
            if json { return try Output.json(workspace.taskDetail(record)) }
            print("\(record.id) \(record.status): \(Sanitize.line(record.statusMessage))")
        }
    }
}
