import AIArtsEngine
import AIArtsRender
import ArgumentParser
import Foundation

struct ProjectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project",
        abstract: "Projects bind a dataset to training tasks.",
        subcommands: [Create.self, List.self, Show.self, SetDataset.self, Remove.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a project.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Project name.") var name: String
        @Option(help: "classification, detection, segmentation or instance_segmentation.") var type: DatasetType
        @Option(help: "Dataset id of the same type.") var dataset: String?
        @Option(help: "Description.") var description = ""
        @Flag(help: "Print the project as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            let record = try workspace.createProject(name: name, type: type, datasetID: dataset, description: description)
            if json { try Output.json(try workspace.projectInfo(record)) } else { print(record.id) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List projects.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            let projects = try workspace.projects().map(workspace.projectInfo)
            if json { return try Output.json(projects) }
            Output.table(["ID", "NAME", "TYPE", "DATASET", "TASKS"], projects.map {
                [$0.id, Sanitize.line($0.name), $0.type, $0.dataset ?? "-", String($0.tasks)]
            })
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a project and its tasks.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Project id (P0001).") var id: String
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            try workspace.refreshTasks()
            let info = try workspace.projectInfo(try workspace.project(id))
            let tasks = try workspace.tasks(projectID: id)
            if json {
                struct Shown: Encodable { var project: ProjectInfo; var tasks: [TaskDetail] }
                return try Output.json(Shown(project: info, tasks: try tasks.map { try workspace.taskDetail($0.id) }))
            }
            print("\(info.id)  \(Sanitize.line(info.name))  (\(info.type), dataset \(info.dataset ?? "none"))")
            if !info.description.isEmpty { print(Sanitize.line(info.description)) }
            if tasks.isEmpty { return print("no tasks yet: `aiarts task create \(info.id)`") }
            Output.table(["TASK", "NAME", "TRAINER", "STATE", "MESSAGE"], tasks.map {
                [$0.id, Sanitize.line($0.name), $0.trainer, $0.status, Sanitize.line($0.statusMessage)]
            })
        }
    }

    struct SetDataset: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Change a project's dataset (one of its type; not while a task of it runs).",
            discussion: "Tasks that have run keep the dataset they ran on; tasks not yet run take the new one.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Project id (P0001).") var id: String
        @Option(help: "Dataset id of the project's type.") var dataset: String
        @Flag(help: "Print the project as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            let record = try workspace.setProjectDataset(id, datasetID: dataset)
            if json { return try Output.json(try workspace.projectInfo(record)) }
            print("\(record.id) dataset \(dataset)")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm", abstract: "Delete a project; one with tasks only with --force, which lists what it deletes.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Project id.") var id: String
        @Flag(help: "Delete its tasks too (checkpoints, exports, logs), stopping running ones first.") var force = false
        @Flag(help: "Print what was deleted as JSON.") var json = false

        func run() throws {
            let deleted = try global.open().deleteProject(id, force: force)
            if json { return try Output.json(deleted) }
            print(deleted.tasks.isEmpty ? "deleted \(id)" : "deleted \(id) and \(deleted.summary)")
        }
    }
}
