import AIArtsEngine
import AIArtsRender
import ArgumentParser
import Foundation

extension DatasetCommand {
    /// `aiarts dataset preprocess D --op flip_v --op brightness=0.4 … [--into NAME | --add]`
    /// (docs/preprocessing.md). The engine checks and runs; this parses and prints.
    struct Preprocess: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply an ordered list of ops to every image: into a new dataset (--into NAME) or as added copies (--add).",
            discussion: """
                Ops, applied in the order given: \(PreprocessOp.grammar.joined(separator: "; ")).
                Boxes, polygons and masks move with the image. All or nothing: Ctrl-C or a failure leaves the \
                workspace as it was. An image that cannot be processed is skipped and listed by `dataset show`.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Dataset id (D0001).") var id: String
        @Option(name: .customLong("op"), help: ArgumentHelp("An op, e.g. flip_v, rotate=90, brightness=0.4, median=5 (repeat for more).", valueName: "OP"))
        var ops: [String] = []
        @Option(help: ArgumentHelp("Make a new dataset of this name.", valueName: "NAME")) var into: String?
        @Flag(help: "Add the processed copies to the same dataset, beside the originals (same split).") var add = false
        @Flag(help: "Check the ops and say what would be done, without doing it.") var dryRun = false
        @Flag(help: "Print the result (or the plan) as JSON.") var json = false

        func validate() throws {
            if ops.isEmpty { throw ValidationError("give at least one --op (e.g. --op flip_h)") }
            if (into == nil) == !add { throw ValidationError("say where the results go: --into NAME (a new dataset) or --add (copies in the same dataset)") }
        }

        func run() throws {
            let parsed = try PreprocessOp.parse(ops)
            let mode: PreprocessMode = into.map { .into($0) } ?? .add
            let workspace = try global.open()
            if dryRun {
                let plan = try workspace.preprocessPlan(id, ops: parsed, mode: mode)
                if json { return try Output.json(plan) }
                print("\(plan.datasetID): \(plan.images) images, \(plan.annotations) annotations → \(Sanitize.line(plan.target))")
                print("ops: \(plan.ops.map(\.text).joined(separator: " "))")
                if let example = plan.examplePath { print("e.g. \(Sanitize.line(example))") }
                if plan.refused > 0 { print("\(plan.refused) images would fail; first: \(Sanitize.line(plan.firstRefusal ?? ""))") }
                return
            }
            let bar = ProgressBar()
            let job = try workspace.preprocessDataset(id, ops: parsed, mode: mode, onProgress: { bar.update($0) })
            let result = try ImportOptions.follow(job, bar: bar)
            if json { try Output.json(result) } else { print("\(result.datasetID): \(Sanitize.line(result.message))") }
        }
    }
}
