import AIArtsEngine
import AIArtsRender
import AIArtsTUI
import ArgumentParser
import Foundation

/// `aiarts review open DID`: the terminal UI, straight into the review screen (docs/review.md, "Review screen").
/// Esc goes on to the Home view; q quits once every decision is saved.
struct ReviewOpenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Review a dataset's labels one sample at a time in the terminal UI.",
        discussion: "Keys: Space accepts, 1…9 0 set the class, ←/→ move, f flags, b marks bad, z undoes, ? lists them all (docs/review.md).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Dataset id (D0001).") var id: String
    @OptionGroup var scope: ReviewCommand.ScopeOptions
    @Option(help: ArgumentHelp("Start from this saved filter (the other options narrow it further).", valueName: "NAME")) var filter: String?
    @Option(name: .customLong("order-by"), help: ArgumentHelp("Strongest disagreement with this task's predictions first, with its suggestions.", valueName: "TASK"))
    var orderBy: String?
    @OptionGroup var ui: UIOptions

    func run() throws {
        let workspace = try global.open()
        let request = ReviewRequest(datasetID: id, label: scope.label, split: try scope.split.map { try Split(parsing: $0) },
                                    status: try scope.status.map { try ReviewFilterStatus(parsing: $0) }, order: orderBy, filter: filter, batch: scope.batch)
        // Refused before the screen changes: an unknown dataset, filter, label, batch or task says why here.
        let base = try filter.map { try workspace.reviewFilter(name: $0, datasetId: id) } ?? ReviewScope(datasetId: id)
        let predictions = try orderBy.map { try workspace.reviewPredictions(taskId: $0) }
        _ = try workspace.reviewQueue(try scope.scope(base), order: .dataset, predictions: predictions)
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw AIArtsError(.invalidArgument, "review open needs a terminal; `aiarts review queue \(id)` lists the samples instead")
        }
        try runHomeUI(workspace: workspace, theme: ui.theme, keymap: ui.keymap, graphics: ui.graphics, review: request)
    }
}
