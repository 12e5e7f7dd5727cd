import AIArtsEngine
import AIArtsRender
import ArgumentParser
import Foundation

/// `aiarts review`: label review from scripts (docs/review.md).
struct ReviewCommand: ParsableCommand {
    /// Every `review` subcommand, in the order help lists them.
    static let subcommands: [ParsableCommand.Type] = [Summary.self, Queue.self, Filter.self, ReviewOpenCommand.self]

    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Label review: where it stands, the queue, saved filters (docs/review.md).",
        subcommands: subcommands
    )

    static func split(_ text: String?) throws -> Split? {
        guard let text else { return nil }
        guard let split = Split(rawValue: text.lowercased()) else {
            throw ValidationError("--split must be train, val or test, not \(text)")
        }
        return split
    }

    static func status(_ text: String?) throws -> ReviewFilterStatus? {
        guard let text else { return nil }
        guard let status = ReviewFilterStatus(rawValue: text.lowercased()) else {
            throw ValidationError("--status must be one of \(ReviewFilterStatus.allCases.map(\.rawValue).joined(separator: ", ")), not \(text)")
        }
        return status
    }

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
            if let split = try ReviewCommand.split(split) { scope.split = split }
            if let status = try ReviewCommand.status(status) { scope.status = status }
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
        }

        func run() throws {
            let ws = try global.open()
            let base = try filter.map { try ws.reviewFilter(name: $0, datasetId: id) } ?? ReviewScope(datasetId: id)
            let scope = try self.scope.scope(base)
            let predictions = try orderBy.map { try ws.reviewPredictions(taskId: $0) }
            let order: ReviewOrder = orderBy.map { .disagreement(taskId: $0) } ?? .dataset
            let rows = try ws.reviewQueue(scope, order: order, predictions: predictions).map { sampleId -> Row in
                let item = try ws.reviewItem(sampleId, predictions: predictions)
                return Row(sampleId: sampleId, path: item.path, split: item.split?.rawValue,
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
