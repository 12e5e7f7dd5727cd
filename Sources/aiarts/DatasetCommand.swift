import AIArtsEngine
import AIArtsRender
import ArgumentParser
import Foundation

extension DatasetType: ExpressibleByArgument {}
extension DatasetFormat: ExpressibleByArgument {}
extension ImageVerification: ExpressibleByArgument {}

struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Create, import, inspect, split and export datasets.",
        subcommands: [Create.self, Import.self, List.self, Show.self, Details.self, Split.self, Export.self, Remove.self, Cancel.self, Preprocess.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a dataset: empty, or with --import PATH --format F, imported at once (waits until done).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Dataset name (free text).") var name: String
        @Option(help: "classification, detection, segmentation or instance_segmentation.") var type: DatasetType
        @Option(help: "Description.") var description = ""
        @Option(name: .customLong("import"), help: ArgumentHelp("Import this folder, archive or (COCO) annotation JSON into it.", valueName: "PATH"))
        var source: String?
        @OptionGroup var importing: ImportOptions
        @Flag(help: "Print the record as JSON.") var json = false

        func validate() throws {
            if source == nil, importing.format != nil || importing.register || importing.verify != .full {
                throw ValidationError("--format, --register and --verify go with --import PATH")
            }
            if source != nil, importing.format == nil { throw ValidationError("--import PATH needs --format") }
        }

        func run() throws {
            let workspace = try global.open()
            guard let source, let format = importing.format else {
                let record = try workspace.createDataset(name: name, type: type, description: description)
                if json { try Output.json(try workspace.summary(record.id)) } else { print(record.id) }
                return
            }
            // The dataset exists (and its id is known) as soon as the import has started.
            let bar = ProgressBar()
            let job = try workspace.createDatasetAndImport(
                name: name, type: type, description: description, from: ImportOptions.url(source), format: format,
                mode: importing.register ? .register : .copy, verification: importing.verify, onProgress: { bar.update($0) })
            let result = try ImportOptions.follow(job, bar: bar)
            if json { try Output.json(try workspace.summary(job.datasetID)) } else { print("\(job.datasetID): \(result.message)") }
        }
    }

    /// How an import reads its source: the options `dataset create --import` takes (`dataset import`
    /// has the same ones, --format required).
    struct ImportOptions: ParsableArguments {
        static let registerHelp: ArgumentHelp = "Leave the files where they are instead of copying them into the workspace (the dataset shows as registered)."
        static let verifyHelp = ArgumentHelp(
            "full: decode every image, catching truncated and corrupt files; header: read only sizes (fast, for huge registered datasets).",
            valueName: "full|header")
        @Option(help: "With --import: imagenet, paddlex, voc, coco, yolo, labelme or seg.") var format: DatasetFormat?
        @Flag(help: registerHelp) var register = false
        @Option(help: verifyHelp) var verify: ImageVerification = .full

        static func url(_ path: String) -> URL { URL(fileURLWithPath: (path as NSString).expandingTildeInPath) }

        /// Waits for an import, showing its progress on stderr; Ctrl-C asks it to stop cleanly
        /// instead of leaving a half-written dataset.
        static func follow(_ job: ImportJob, bar: ProgressBar) throws -> ImportResult {
            signal(SIGINT, SIG_IGN)
            let interrupt = DispatchSource.makeSignalSource(signal: SIGINT)
            interrupt.setEventHandler { job.cancel() }
            interrupt.resume()
            defer { interrupt.cancel(); bar.finish() }
            return try job.wait()
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a folder or archive (.zip, .tar, .tar.gz) into a dataset; waits until done.",
            discussion: "Exits 0 when the import finished, even if some files failed; `dataset show` lists them.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Dataset id (D0001).") var id: String
        @Argument(help: "Folder, archive, or (COCO) annotation JSON.") var path: String
        @Option(help: "imagenet, paddlex, voc, coco, yolo, labelme or seg.") var format: DatasetFormat
        @Flag(help: ImportOptions.registerHelp) var register = false
        @Option(help: ImportOptions.verifyHelp) var verify: ImageVerification = .full
        @Flag(help: "Import even when it drops review work (decisions, attributes, annotation batches) made on this dataset.")
        var replace = false
        @Flag(help: "Print the result as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            let bar = ProgressBar()
            let job = workspace.startImport(id, from: ImportOptions.url(path), format: format, mode: register ? .register : .copy,
                                            verification: verify, replace: replace, onProgress: { bar.update($0) })
            let result = try ImportOptions.follow(job, bar: bar)
            if json { try Output.json(result) } else { print("\(result.datasetID): \(result.message)") }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List datasets.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let summaries = try global.open().summaries()
            if json { return try Output.json(summaries) }
            Output.table(["ID", "NAME", "TYPE", "STATUS", "IMAGES", "LABELS", "FAILED"], summaries.map {
                [$0.id, Sanitize.line($0.name), $0.type.rawValue, $0.status, String($0.images), String($0.labels.count), String($0.failed.count)]
            })
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a dataset: labels, splits, failed files.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Dataset id.") var id: String
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let s = try global.open().summary(id)
            if json { return try Output.json(s) }
            print("\(s.id)  \(Sanitize.line(s.name))  (\(s.type.rawValue))")
            print("status:      \(s.status): \(Sanitize.line(s.statusMessage))")
            if !s.description.isEmpty { print("description: \(Sanitize.line(s.description))") }
            print("images:      \(s.images)    annotations: \(s.annotations)")
            print("splits:      train \(s.splits["train"] ?? 0), val \(s.splits["val"] ?? 0), test \(s.splits["test"] ?? 0)")
            if !s.labels.isEmpty {
                print("labels:")
                Output.table(["  INDEX", "NAME", "COUNT"], s.labels.enumerated().map { ["  \($0.offset)", Sanitize.line($0.element.name), String($0.element.count)] })
            }
            if !s.failed.isEmpty {
                print("failed (\(s.failed.count)):")
                for f in s.failed.prefix(50) {
                    print("  \(Sanitize.line(f.path))\(f.line.map { ":\($0)" } ?? ""): \(Sanitize.line(f.reason))")
                }
                if s.failed.count > 50 { print("  ... \(s.failed.count - 50) more (use --json for all)") }
            }
        }
    }

    struct Details: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Files with their labels, label to files, split lists and image sizes.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Dataset id.") var id: String
        @Option(help: "Only files carrying this label.") var label: String?
        @Option(help: "Only files of this split (train, val, test).") var split: String?
        @Flag(help: "Print as JSON (narrowed by --label and --split as the table is).") var json = false

        func run() throws {
            let filter = DetailsFilter(label: label, split: try split.map { try AIArtsEngine.Split(parsing: $0) })
            let d = try global.open().details(id, filter: filter)
            if json { return try Output.json(d) }
            Output.table(["PATH", "SIZE", "SPLIT", "LABELS"], d.files.map {
                [Sanitize.line($0.path), "\($0.width)×\($0.height)", $0.split?.rawValue ?? "-", Sanitize.line($0.labels.joined(separator: ","))]
            })
            if let s = d.imageSizes {
                print("image sizes: width \(s.minWidth)–\(s.maxWidth) (mean \(Int(s.meanWidth))), height \(s.minHeight)–\(s.maxHeight) (mean \(Int(s.meanHeight)))")
            }
        }
    }

    struct Split: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Split into train/val/test, stratified by label; the same seed gives the same split.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Dataset id.") var id: String
        @Option(help: "Fraction for validation.") var val: Double
        @Option(help: "Fraction for test.") var test: Double = 0
        @Option(help: "Random seed.") var seed: UInt64 = 0
        @Flag(help: "Print the counts as JSON.") var json = false

        func run() throws {
            let counts = try global.open().split(id, val: val, test: test, seed: seed)
            if json { return try Output.json(counts) }
            print("\(id): train \(counts["train"] ?? 0), val \(counts["val"] ?? 0), test \(counts["test"] ?? 0)")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export a dataset in any format that carries its type.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Dataset id.") var id: String
        @Argument(help: "Destination folder (must not exist, or be empty).") var destination: String
        @Option(help: "imagenet, paddlex, voc, coco, yolo, labelme or seg.") var format: DatasetFormat

        func run() throws {
            let url = URL(fileURLWithPath: (destination as NSString).expandingTildeInPath)
            try global.open().exportDataset(id, format: format, to: url)
            print("\(id) exported as \(format.rawValue) to \(url.path)")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete a dataset (refused while a project uses it, unless --force).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Dataset id.") var id: String
        @Flag(help: "Delete even if projects use it (they are unbound).") var force = false

        func run() throws {
            try global.open().deleteDataset(id, force: force)
            print("\(id) deleted")
        }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask a running import (in any process) to stop.",
            discussion: "An import whose process was killed is put back at once: the dataset gets its status from before the import.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Dataset id.") var id: String

        func run() throws {
            switch try global.open().requestCancel(id) {
            case .requested(let owner):
                print("\(id): cancel requested (import by pid \(owner.identity.pid))")
            case .recovered(let pid, let status):
                print("\(id): \(pid > 0 ? "the import had been interrupted (process \(pid) ended)" : "an earlier import had been interrupted"); restored to \(status)")
            case .notImporting:
                print("\(id): no import is running")
            }
        }
    }
}
