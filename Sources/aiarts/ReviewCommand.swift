import AIArtsEngine
import AIArtsRender
import ArgumentParser
import Foundation

/// `aiarts review`: label review from scripts (docs/review.md).
struct ReviewCommand: ParsableCommand {
    /// Every `review` subcommand, in the order help lists them.
    static let subcommands: [ParsableCommand.Type] = [Summary.self, Queue.self, Decide.self, Undo.self, Redo.self, Filter.self, ReviewOpenCommand.self]

    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Label review: where it stands, the queue, saved filters (docs/review.md).",
        subcommands: subcommands
    )

    /// --label, --split, --status and --batch: the options that narrow a review.
    struct ScopeOptions: ParsableArguments {
        @Option(help: "Only samples having this label.") var label: String?
        @Option(help: "Only samples of this split (train, val, test).") var split: String?
        @Option(help: "Only samples that are unreviewed, reviewed, flagged, bad or changed.") var status: String?
        @Option(help: "Only the samples of this annotation batch, in its order.") var batch: Int64?

        var isEmpty: Bool { label == nil && split == nil && status == nil && batch == nil }

        /// The scope these options describe, on top of `base`.
        func scope(_ base: ReviewScope) throws -> ReviewScope {
            var scope = base
            if let label { scope.label = label }
            if let split { scope.split = try Split(parsing: split) }
            if let status { scope.status = try ReviewFilterStatus(parsing: status) }
            if let batch { scope.batchId = batch }
            return scope
        }
    }

    struct Summary: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "How far a dataset's review is: reviewed, changed, flagged, bad, by whom.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Dataset id (D0001).") var id: String
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let s = try global.open().reviewSummary(id)
            if json { return try Output.json(s) }
            print("\(s.datasetId): \(s.samples) samples, \(s.reviewed) reviewed, \(s.changed) changed, \(s.flagged) flagged, \(s.bad) bad, \(s.unreviewed) unreviewed")
            guard !s.reviewers.isEmpty else { return }
            Output.table(["REVIEWER", "REVIEWED", "CHANGED", "FLAGGED", "BAD", "DECISIONS", "LAST"], s.reviewers.map {
                [Sanitize.line($0.reviewer), String($0.reviewed), String($0.changed), String($0.flagged), String($0.bad), String($0.decisions),
                 $0.lastAt.map { $0.formatted(.iso8601) } ?? "-"]
            })
        }
    }

    struct Queue: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the samples a review would go through, in order.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Dataset id (D0001).") var id: String
        @OptionGroup var scope: ScopeOptions
        @Option(help: ArgumentHelp("Start from this saved filter (the other options narrow it further).", valueName: "NAME")) var filter: String?
        @Option(name: .customLong("order-by"), help: ArgumentHelp("Strongest disagreement with this task's predictions first.", valueName: "TASK"))
        var orderBy: String?
        @Flag(help: "Print as JSON.") var json = false

        struct Row: Encodable {
            var sampleId: Int64
            var path: String
            var split: String?
            var labels: [String]
            var status: String
            var changed: Bool
            var reviewer: String?
            var note: String?
            var disagreement: Double?
            var suggestion: String?

            enum CodingKeys: String, CodingKey {
                case sampleId = "sample_id", path, split, labels, status, changed, reviewer, note, disagreement, suggestion
            }
        }

        func run() throws {
            let ws = try global.open()
            let base = try filter.map { try ws.reviewFilter(name: $0, datasetId: id) } ?? ReviewScope(datasetId: id)
            let scope = try self.scope.scope(base)
            let predictions = try orderBy.map { try ws.reviewPredictions(taskId: $0) }
            let order: ReviewOrder = orderBy.map { .disagreement(taskId: $0) } ?? .dataset
            let rows = try ws.reviewItems(try ws.reviewQueue(scope, order: order, predictions: predictions), predictions: predictions).map { item -> Row in
                Row(sampleId: item.sampleId, path: item.path, split: item.split?.rawValue,
                           labels: item.boxes.map { item.labels.indices.contains($0.labelIndex) ? item.labels[$0.labelIndex] : "#\($0.labelIndex)" },
                           status: item.state?.status.rawValue ?? "unreviewed", changed: item.state?.changed ?? false,
                           reviewer: item.state?.reviewer, note: item.state?.note,
                           disagreement: predictions == nil ? nil : item.disagreement, suggestion: item.suggestions.first?.text)
            }
            if json { return try Output.json(rows) }
            var header = ["SAMPLE", "PATH", "SPLIT", "LABELS", "STATUS", "REVIEWER"]
            if predictions != nil { header += ["DISAGREEMENT", "SUGGESTION"] }
            Output.table(header, rows.map { r in
                var cells = [String(r.sampleId), Sanitize.line(r.path), r.split ?? "-", Sanitize.line(r.labels.joined(separator: ",")),
                             r.status + (r.changed ? ", changed" : ""), r.reviewer.map(Sanitize.line) ?? "-"]
                if predictions != nil { cells += [String(format: "%.2f", r.disagreement ?? 0), r.suggestion.map(Sanitize.line) ?? "-"] }
                return cells
            })
        }
    }

    struct Decide: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a decision about a sample, as the review screen does.",
            discussion: """
            DECISION is one of: accept, flag, bad, note TEXT, class LABEL (classification), box-class ANNOTATION LABEL,
            delete-box ANNOTATION, move-box ANNOTATION X Y W H, add-box LABEL X Y W H (pixels; clamped to the image).
            LABEL is a name or an index. Prints the sample's labels and state after it.
            """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Dataset id (D0001).") var id: String
        @Argument(help: "Sample id (from `aiarts review queue`).") var sample: Int64
        @Argument(parsing: .captureForPassthrough, help: "The decision and its values.") var decision: [String] = []
        @Option(help: "Record it under this reviewer name (default: the Unix user).") var reviewer: String?
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            var words = decision
            // Options written after the decision's words (which may hold negative numbers, so are taken as they are).
            var json = self.json, reviewer = self.reviewer, global = self.global
            if let n = words.firstIndex(of: "--json") { words.remove(at: n); json = true }
            if let n = words.firstIndex(of: "--reviewer"), n + 1 < words.count { reviewer = words[n + 1]; words.removeSubrange(n...n + 1) }
            if let n = words.firstIndex(of: "--workspace"), n + 1 < words.count { global.workspace = words[n + 1]; words.removeSubrange(n...n + 1) }
            let ws = try global.open()
            let item = try ws.reviewItem(sample)
            guard item.datasetId == id else {
                throw AIArtsError(.invalidArgument, "sample \(sample) belongs to \(item.datasetId), not \(id)")
            }
            let parsed = try ReviewDecision(parsing: words, labels: item.labels)
            let after = try ws.reviewDecide(sample, parsed, reviewer: reviewer ?? Reviewer.current)
            ReviewCommand.printItem(after, json: json)
        }
    }

    struct Undo: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Undo your newest decision in a dataset.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Dataset id (D0001).") var id: String
        @Option(help: "Whose decision (default: the Unix user).") var reviewer: String?

        func run() throws { try ReviewCommand.undo(redo: false, global: global, id: id, reviewer: reviewer) }
    }

    struct Redo: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Redo the decision you undid last in a dataset.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Dataset id (D0001).") var id: String
        @Option(help: "Whose decision (default: the Unix user).") var reviewer: String?

        func run() throws { try ReviewCommand.undo(redo: true, global: global, id: id, reviewer: reviewer) }
    }

    /// Undo (or redo) the reviewer's newest decision in a dataset, and show the sample as it is now.
    static func undo(redo: Bool, global: GlobalOptions, id: String, reviewer: String?) throws {
        let ws = try global.open()
        let who = reviewer ?? Reviewer.current
        guard let sample = redo ? try ws.reviewRedo(datasetId: id, reviewer: who) : try ws.reviewUndo(datasetId: id, reviewer: who) else {
            return print(redo ? "nothing to redo" : "nothing to undo")
        }
        printItem(try ws.reviewItem(sample), json: false)
    }

    struct ItemJSON: Encodable {
        struct Label: Encodable {
            var annotationId: Int64; var label: String; var bbox: [Double]?
            enum CodingKeys: String, CodingKey { case annotationId = "annotation_id", label, bbox }
        }
        var sampleId: Int64
        var datasetId: String
        var path: String
        var labels: [Label]
        var status: String
        var changed: Bool
        var note: String?
        var reviewer: String?
        var decidedAt: Date?

        enum CodingKeys: String, CodingKey {
            case sampleId = "sample_id", datasetId = "dataset_id", path, labels, status, changed, note, reviewer, decidedAt = "decided_at"
        }
    }

    static func printItem(_ item: ReviewItem, json: Bool) {
        func name(_ i: Int) -> String { item.labels.indices.contains(i) ? item.labels[i] : "#\(i)" }
        let value = ItemJSON(sampleId: item.sampleId, datasetId: item.datasetId, path: item.path,
                             labels: item.boxes.map { .init(annotationId: $0.annotationId, label: name($0.labelIndex), bbox: $0.box.map { [$0.x, $0.y, $0.width, $0.height] }) },
                             status: item.state?.status.rawValue ?? "unreviewed", changed: item.state?.changed ?? false,
                             note: item.state?.note, reviewer: item.state?.reviewer, decidedAt: item.state?.decidedAt)
        if json { try? Output.json(value); return }
        print("\(item.sampleId)  \(Sanitize.line(item.path))  \(value.status)\(value.changed ? ", changed" : "")\(value.reviewer.map { " by " + Sanitize.line($0) } ?? "")")
        for l in value.labels {
            let box = l.bbox.map { " " + $0.map { String(format: "%.1f", $0) }.joined(separator: " ") } ?? ""
            print("  \(l.annotationId)  \(Sanitize.line(l.label))\(box)")
        }
        if let note = value.note { print("  note: \(Sanitize.line(note))") }
    }

    struct Filter: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Saved review filters: a name for a label, split, status or batch.",
            subcommands: [Save.self, List.self, Show.self])

        struct Save: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Save (or replace) a named filter for a dataset.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "Dataset id (D0001).") var id: String
            @Argument(help: "The filter's name.") var name: String
            @OptionGroup var scope: ScopeOptions

            func run() throws {
                let ws = try global.open()
                let scope = try self.scope.scope(ReviewScope(datasetId: id))
                try ws.saveReviewFilter(name: name, scope: scope)
                print("saved review filter \(Sanitize.line(name)) for \(id)")
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List a dataset's saved filters.", aliases: ["ls"])
            @OptionGroup var global: GlobalOptions
            @Argument(help: "Dataset id (D0001).") var id: String
            @Flag(help: "Print as JSON.") var json = false

            func run() throws {
                let ws = try global.open()
                let names = try ws.reviewFilters(datasetId: id)
                if json { return try Output.json(try names.map { try ws.reviewFilter(name: $0, datasetId: id) }.enumerated().map { n, s in
                    Shown(name: names[n], scope: s)
                }) }
                for name in names { print(Sanitize.line(name)) }
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show what a saved filter selects.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "Dataset id (D0001).") var id: String
            @Argument(help: "The filter's name.") var name: String
            @Flag(help: "Print as JSON.") var json = false

            func run() throws {
                let scope = try global.open().reviewFilter(name: name, datasetId: id)
                if json { return try Output.json(Shown(name: name, scope: scope)) }
                print("label:  \(scope.label.map(Sanitize.line) ?? "any")")
                print("split:  \(scope.split?.rawValue ?? "any")")
                print("status: \(scope.status?.rawValue ?? "any")")
                if let batch = scope.batchId { print("batch:  \(batch)") }
            }
        }

        struct Shown: Encodable {
            var name: String
            var scope: ReviewScope
        }
    }
}
