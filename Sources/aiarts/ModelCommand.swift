import AIArtsEngine
import AIArtsRender
import ArgumentParser
import Foundation

extension ModelKind: ExpressibleByArgument {}

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "The model registry: register checkpoints, upload, download, delete (docs/models.md).",
        subcommands: [List.self, Show.self, Register.self, Upload.self, Download.self, Remove.self, Compare.self, ModelJobCommand.self]
    )

    static func size(_ bytes: Int64) -> String {
        ByteCountFormatter.string(fromByteCount: bytes, countStyle: .file)
    }

    static func evaluation(_ values: [String: Double]?) -> String {
        guard let values, !values.isEmpty else { return "-" }
        return values.sorted { $0.key < $1.key }.map { "\(Sanitize.line($0.key))=\(String(format: "%.4g", $0.value))" }.joined(separator: " ")
    }

    static func source(task: String?, epoch: Int?, path: String?) -> String {
        if let task { return epoch.map { "\(task) epoch \($0)" } ?? task }
        return path.map(Sanitize.line) ?? "-"
    }

    static func printRegistered(_ r: RegisteredVersion) {
        if r.existing { print("already in the registry, nothing copied:") }
        print("\(r.model.id) \(r.version.name)  \(Sanitize.line(r.model.name))  (\(Sanitize.line(r.version.format)), \(size(r.version.size)), \(r.version.fileCount) file\(r.version.fileCount == 1 ? "" : "s"))")
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List models.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let models = try global.open().models()
            if json { return try Output.json(models) }
            Output.table(["ID", "NAME", "KIND", "TYPE", "VERSIONS", "SIZE", "SOURCE", "EVALUATION"], models.map {
                [$0.model.id, Sanitize.line($0.model.name), $0.model.kind, $0.model.type?.rawValue ?? "-", "\($0.versions) (\($0.latest ?? "-"))",
                 ModelCommand.size($0.size), ModelCommand.source(task: $0.model.sourceTaskId, epoch: $0.model.sourceEpoch, path: nil),
                 ModelCommand.evaluation($0.model.evaluation)]
            })
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a model and its versions.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Model id (M0001).") var id: String
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let d = try global.open().modelDetail(id)
            if json { return try Output.json(d) }
            let m = d.model
            print("\(m.id)  \(Sanitize.line(m.name))  (\(m.kind)\(m.type.map { ", \($0.rawValue)" } ?? "")\(m.trainer.map { ", \(Sanitize.line($0))" } ?? ""))")
            if !m.description.isEmpty { print("description: \(Sanitize.line(m.description))") }
            print("created:     \(m.createdAt.formatted(.iso8601))")
            print("folder:      \(Sanitize.line(d.folder))")
            print("size:        \(ModelCommand.size(d.size))")
            print("versions:")
            Output.table(["  VERSION", "FORMAT", "SIZE", "FILES", "SOURCE", "EVALUATION", "CREATED"], d.versions.map {
                ["  \($0.name)", Sanitize.line($0.format), ModelCommand.size($0.size), String($0.fileCount),
                 ModelCommand.source(task: $0.sourceTaskId, epoch: $0.sourceEpoch, path: $0.sourcePath),
                 ModelCommand.evaluation($0.evaluation), $0.createdAt.formatted(.iso8601)]
            })
        }
    }

    struct Register: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a task's checkpoint as a model (or a new version of one).",
            discussion: "Without --epoch, the checkpoint the trainer marked best, else the last one.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Task id (T0001).") var task: String
        @Option(help: "The checkpoint of this epoch.") var epoch: Int?
        @Option(help: "Model name (default: the task's name and the epoch).") var name: String?
        @Option(help: ArgumentHelp("Add the checkpoint as a new version of this model.", valueName: "MODEL")) var to: String?
        @Option(help: "pretrained (default) or exported.") var kind: ModelKind = .pretrained
        @Option(help: "Description.") var description = ""
        @Flag(help: "Print the model and the new version as JSON.") var json = false

        func run() throws {
            let r = try global.open().registerModel(fromTask: task, epoch: epoch, name: name, kind: kind, to: to, description: description)
            if json { try Output.json(r) } else { ModelCommand.printRegistered(r) }
        }
    }

    struct Upload: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Upload a file or folder as a new model (or a new version of one).",
            discussion: "A folder's contents become the version; a file keeps its name. Symbolic links inside a folder are refused unless --follow-symlinks.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "File or folder.") var path: String
        @Option(help: "Model name (default: the file or folder name).") var name: String?
        @Option(help: ArgumentHelp("Add it as a new version of this model.", valueName: "MODEL")) var to: String?
        @Option(help: "classification, detection, segmentation or instance_segmentation.") var type: DatasetType?
        @Option(help: "What the files are (default: recognised, e.g. onnx, torchscript).") var format: String?
        @Option(help: "Description.") var description = ""
        @Flag(help: "Copy the files that symbolic links point to, as plain files (links to folders are still refused).")
        var followSymlinks = false
        @Flag(help: "Print the model and the new version as JSON.") var json = false

        func run() throws {
            let source = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
            let r = try global.open().uploadModel(from: source, name: name, to: to, type: type, format: format,
                                                  description: description, symlinks: followSymlinks ? .copyTarget : .refuse)
            if json { try Output.json(r) } else { ModelCommand.printRegistered(r) }
        }
    }

    struct Download: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a version out to a new folder, or write it as a .tar.gz.",
            discussion: "DEST must not exist (or be an empty folder). With --archive, DEST is the archive to write, or a folder to write <id>-v<N>.tar.gz into.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Model id (M0001).") var id: String
        @Argument(help: "Destination folder or archive.") var destination: String
        @Option(help: ArgumentHelp("The version (default: the newest).", valueName: "vN")) var version: String?
        @Flag(help: "Write a .tar.gz instead of a folder.") var archive = false
        @Flag(help: "Print what was written as JSON.") var json = false

        func run() throws {
            let number = try version.map(Workspace.parseModelVersion)
            let dest = URL(fileURLWithPath: (destination as NSString).expandingTildeInPath)
            let written = try global.open().downloadModel(id, version: number, to: dest, archive: archive)
            if json { try Output.json(["path": written.path]) } else { print(written.path) }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a model, or one of its versions.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Model id (M0001).") var id: String
        @Option(help: ArgumentHelp("Delete only this version.", valueName: "vN")) var version: String?

        func run() throws {
            let workspace = try global.open()
            if let version {
                let number = try Workspace.parseModelVersion(version)
                try workspace.deleteModelVersion(id, version: number)
                print("\(id) v\(number) deleted")
            } else {
                try workspace.deleteModel(id)
                print("\(id) deleted")
            }
        }
    }
}
