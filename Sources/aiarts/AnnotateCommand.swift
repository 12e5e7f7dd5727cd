import AIArtsEngine
import AIArtsRender
import ArgumentParser
import Foundation

struct AnnotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annotate",
        abstract: "Crowd annotation tasks: hand out batches of samples to reviewers, and collect their commits (docs/annotation.md).",
        subcommands: [TaskGroup.self, Apply.self, Commit.self, Commits.self, Attr.self]
    )

    /// An ISO 8601 time: 2026-12-01T18:00:00Z, with fractional seconds or an offset, or a bare date (midnight UTC).
    static func parseTime(_ text: String, option: String) throws -> Date {
        let full = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        for formatter in [full, fractional, day] {
            if let date = formatter.date(from: text) { return date }
        }
        throw AIArtsError(.invalidArgument, "\(option): '\(Sanitize.line(text))' is not an ISO 8601 time such as 2026-12-01T18:00:00Z")
    }

    static func time(_ date: Date?) -> String { date.map { $0.formatted(.iso8601) } ?? "-" }

    static func scope(_ t: AnnotationTaskRecord) -> String {
        var parts = [t.datasetId]
        if let label = t.label { parts.append("label \(Sanitize.line(label))") }
        if let split = t.split { parts.append("split \(split.rawValue)") }
        return parts.joined(separator: ", ")
    }

    static func printBatch(_ b: AnnotationBatch, header: String) {
        print("\(header) \(b.id) of \(b.record.taskId) for \(Sanitize.line(b.record.user)): \(b.samples.count) sample\(b.samples.count == 1 ? "" : "s") of \(b.datasetId)")
        if let folder = b.folder { print("folder: \(Sanitize.line(folder))") }
        Output.table(["SAMPLE", "PATH"], b.samples.map { [String($0.id), Sanitize.line($0.path)] })
        print("review it by keys: aiarts review open \(b.datasetId) --batch \(b.id); then aiarts annotate commit \(b.record.taskId)")
    }

    struct TaskGroup: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "task",
            abstract: "Create, list, show and delete annotation tasks.",
            subcommands: [Create.self, List.self, Show.self, Remove.self]
        )
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an annotation task over a dataset.",
            discussion: """
                The formatter is JSON (inline, or a file): [{"name": "car", "description": "any car", "attributes": \
                [{"name": "occluded", "values": ["yes", "no"]}, {"name": "note", "values": []}]}]. Empty values mean free text. \
                Tags that are not yet labels of the dataset are added as labels.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Dataset id (D0001).") var dataset: String
        @Option(help: "Task name.") var name: String
        @Option(help: ArgumentHelp("The tags and their attributes: JSON text, or a file holding it.", valueName: "FILE_OR_JSON"))
        var formatter: String
        @Option(help: "Samples per batch.") var size: Int
        @Option(help: ArgumentHelp("When batches start being handed out (default: now).", valueName: "ISO8601")) var start: String?
        @Option(help: ArgumentHelp("No batch is handed out after it (default: none).", valueName: "ISO8601")) var deadline: String?
        @Option(help: "Only samples carrying this label.") var label: String?
        @Option(help: "Only samples of this split: train, val or test.") var split: String?
        @Option(help: "Description.") var description = ""
        @Flag(help: "Print the task as JSON.") var json = false

        func run() throws {
            let parsedFormatter = try AnnotationFormatter.load(fileOrJSON: formatter)
            var splitValue: Split?
            if let split {
                guard let value = Split(rawValue: split) else {
                    throw AIArtsError(.invalidArgument, "--split: '\(Sanitize.line(split))' is not a split; use train, val or test")
                }
                splitValue = value
            }
            let startAt = try start.map { try AnnotateCommand.parseTime($0, option: "--start") } ?? Date()
            let deadlineAt = try deadline.map { try AnnotateCommand.parseTime($0, option: "--deadline") }
            let workspace = try global.open()
            let record = try workspace.createAnnotationTask(
                datasetId: dataset, name: name, description: description, formatter: parsedFormatter, size: size,
                label: label, split: splitValue, startAt: startAt, deadline: deadlineAt)
            if json { try Output.json(try workspace.annotationTask(record.id)) } else { print(record.id) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List annotation tasks.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only tasks over this dataset.") var dataset: String?
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            let details = try workspace.annotationTasks(datasetId: dataset).map { try workspace.annotationTask($0.id) }
            if json { return try Output.json(details) }
            Output.table(["ID", "NAME", "SCOPE", "SIZE", "SAMPLES", "HANDED OUT", "COMMITTED", "OPEN", "START", "DEADLINE"], details.map {
                [$0.task.id, Sanitize.line($0.task.name), AnnotateCommand.scope($0.task), String($0.task.size), String($0.samples),
                 String($0.handedOut), String($0.committed), String($0.openBatches.count),
                 AnnotateCommand.time($0.task.startAt), AnnotateCommand.time($0.task.deadline)]
            })
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an annotation task: its formatter, progress and open batches.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Annotation task id (A0001).") var id: String
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let d = try global.open().annotationTask(id)
            if json { return try Output.json(d) }
            let t = d.task
            print("\(t.id)  \(Sanitize.line(t.name))  (\(AnnotateCommand.scope(t)))")
            if !t.description.isEmpty { print("description: \(Sanitize.line(t.description))") }
            print("batch size:  \(t.size)")
            print("start:       \(AnnotateCommand.time(t.startAt))    deadline: \(AnnotateCommand.time(t.deadline))")
            print("samples:     \(d.samples)    handed out: \(d.handedOut)    committed: \(d.committed) (\(d.committedBatches) batch\(d.committedBatches == 1 ? "" : "es"))    remaining: \(d.remaining)")
            print("tags:")
            for tag in t.formatter.tags {
                print("  \(Sanitize.line(tag.name))\(tag.description.isEmpty ? "" : ": \(Sanitize.line(tag.description))")")
                for a in tag.attributes {
                    print("    \(Sanitize.line(a.name)) = \(a.isFreeText ? "(free text)" : a.values.map(Sanitize.line).joined(separator: " | "))")
                }
            }
            if !d.openBatches.isEmpty {
                print("open batches:")
                Output.table(["  BATCH", "USER", "SAMPLES", "SINCE"], d.openBatches.map {
                    ["  \($0.id)", Sanitize.line($0.user), String($0.samples), AnnotateCommand.time($0.createdAt)]
                })
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete an annotation task and its batches (labels and attributes stay).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Annotation task id (A0001).") var id: String

        func run() throws {
            try global.open().deleteAnnotationTask(id)
            print("\(id) deleted")
        }
    }

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply for a batch: samples of the task nobody else holds.",
            discussion: "One open batch per user per task: commit it before applying again.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Annotation task id (A0001).") var id: String
        @Option(help: "Reviewer (default: the Unix user).") var user: String?
        @Flag(help: "Print the batch as JSON.") var json = false

        func run() throws {
            let batch = try global.open().applyAnnotationBatch(taskId: id, user: user ?? Reviewer.current)
            if json { try Output.json(batch) } else { AnnotateCommand.printBatch(batch, header: "batch") }
        }
    }

    struct Commit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Commit your open batch of a task.",
            discussion: "Refused while samples of the batch are undecided, unless --force, which returns them to the pool.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Annotation task id (A0001).") var id: String
        @Option(help: "Reviewer (default: the Unix user).") var user: String?
        @Flag(help: "Commit the decided samples and return the undecided ones to the pool.") var force = false
        @Flag(help: "Print the commit as JSON.") var json = false

        func run() throws {
            let c = try global.open().commitAnnotationBatch(taskId: id, user: user ?? Reviewer.current, force: force)
            if json { return try Output.json(c) }
            print("batch \(c.batchId) of \(c.taskId) committed: \(c.samples) samples (\(c.reviewed) reviewed, \(c.flagged) flagged, \(c.bad) bad, \(c.changed) changed)")
            if c.returned > 0 { print("\(c.returned) undecided sample\(c.returned == 1 ? "" : "s") returned to the pool") }
        }
    }

    struct Commits: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List committed batches, newest first, a page at a time.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this reviewer's commits.") var user: String?
        @Option(help: ArgumentHelp("Only commits of this task.", valueName: "AID")) var task: String?
        @Option(help: "Page number, from 1.") var page = 1
        @Option(name: .customLong("page-size"), help: "Commits per page (1 to 1000).") var pageSize = 20
        @Flag(help: "Print as JSON: pageNum, pageSize, total, items.") var json = false

        func run() throws {
            let p = try global.open().annotationCommits(user: user, taskId: task, pageNum: page, pageSize: pageSize)
            if json { return try Output.json(p) }
            Output.table(["BATCH", "TASK", "USER", "SAMPLES", "REVIEWED", "FLAGGED", "BAD", "CHANGED", "COMMITTED"], p.items.map {
                [String($0.batchId), $0.taskId, Sanitize.line($0.user), String($0.samples), String($0.reviewed), String($0.flagged),
                 String($0.bad), String($0.changed), AnnotateCommand.time($0.committedAt)]
            })
            let pages = max(1, (p.total + p.pageSize - 1) / p.pageSize)
            print("page \(p.pageNum) of \(pages), \(p.total) commit\(p.total == 1 ? "" : "s")")
        }
    }

    struct Attr: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set attributes of a sample under a task's formatter, or list them.",
            discussion: "With no NAME=VALUE, lists the sample's attributes. An empty VALUE removes the attribute.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Annotation task id (A0001).") var id: String
        @Argument(help: "Sample id (as `annotate apply` prints it) or path in the dataset.") var sample: String
        @Argument(help: ArgumentHelp("Attribute values to set.", valueName: "NAME=VALUE")) var assignments: [String] = []
        @Option(help: "The tag the attributes belong to.") var tag: String?
        @Option(help: "Reviewer (default: the Unix user).") var user: String?
        @Flag(help: "Print the sample's attributes as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            let sampleId = try workspace.annotationSample(taskId: id, sample)
            if !assignments.isEmpty {
                guard let tag else { throw AIArtsError(.invalidArgument, "--tag is needed to set attributes (the tag they belong to)") }
                var pairs: [(String, String)] = []
                for text in assignments {
                    guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
                        throw AIArtsError(.invalidArgument, "'\(Sanitize.line(text))' is not NAME=VALUE")
                    }
                    pairs.append((String(text[..<eq]), String(text[text.index(after: eq)...])))
                }
                // Every value is checked before any is written.
                let formatter = try workspace.annotationTask(id).formatter
                for (name, value) in pairs {
                    if value.isEmpty { _ = try formatter.attribute(tag: tag, name: name) } else { try formatter.check(tag: tag, attribute: name, value: value) }
                }
                for (name, value) in pairs {
                    try workspace.setSampleAttribute(taskId: id, sampleId: sampleId, tag: tag, name: name, value: value,
                                                     reviewer: user ?? Reviewer.current)
                }
            }
            let attributes = try workspace.sampleAttributes(sampleId: sampleId)
            if json { return try Output.json(attributes) }
            Output.table(["TAG", "NAME", "VALUE", "BY", "AT"], attributes.map {
                [Sanitize.line($0.tag), Sanitize.line($0.name), Sanitize.line($0.value), Sanitize.line($0.reviewer), AnnotateCommand.time($0.at)]
            })
        }
    }
}
