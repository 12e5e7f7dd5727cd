import AIArtsRender
import Testing
@testable import AIArtsTUI

private func app(_ state: HomeState = sampleState()) -> HomeApp {
    HomeApp(state: state) { .loaded(sampleState().data!) }
}

private func isQuit(_ commands: [Command<HomeMessage>]) -> Bool {
    commands.contains { if case .quit = $0 { true } else { false } }
}

@Suite struct HomeAppTests {
    @Test func jkAndArrowsMoveTheSelectionWithinBounds() {
        var a = app()
        _ = a.update(.key(.char("j")))
        #expect(a.state.datasets.selected == 1)
        _ = a.update(.key(.down))
        #expect(a.state.datasets.selected == 1)
        _ = a.update(.key(.char("k")))
        _ = a.update(.key(.up))
        #expect(a.state.datasets.selected == 0)
        #expect(a.render(size: Size(width: 80, height: 24)).lines()[1].contains("D0001 shapes"))
    }

    @Test func selectionMovesTheDetailPane() {
        var a = app()
        _ = a.update(.key(.char("j")))
        #expect(a.render(size: Size(width: 80, height: 24)).lines()[1].contains("D0002 猫と犬"))
    }

    @Test func tabCyclesFocusAndKeysFollowIt() {
        var a = app()
        _ = a.update(.key(.tab))
        #expect(a.state.focus == .detail)
        _ = a.update(.key(.char("j")))
        #expect(a.state.labels.selected == 1)
        #expect(a.state.datasets.selected == 0)
        #expect(a.render(size: Size(width: 80, height: 24)).lines()[23].contains("labels"))
        _ = a.update(.key(.tab))
        #expect(a.state.focus == .projects)
        _ = a.update(.key(.tab))
        #expect(a.state.focus == .datasets)
        _ = a.update(.key(.backtab))
        #expect(a.state.focus == .projects)
    }

    @Test func qQuitsEvenFromHelp() {
        var a = app()
        #expect(isQuit(a.update(.key(.char("q")))))
        _ = a.update(.key(.char("?")))
        #expect(a.state.showHelp)
        #expect(isQuit(a.update(.key(.char("q")))))
    }

    @Test func anyOtherKeyClosesHelp() {
        var a = app()
        _ = a.update(.key(.char("?")))
        _ = a.update(.key(.esc))
        #expect(!a.state.showHelp)
        #expect(a.state.datasets.selected == 0)
    }

    @Test func reloadRunsTheLoaderAndKeepsTheSelectedDataset() {
        var a = app()
        _ = a.update(.key(.char("j")))
        let commands = a.update(.key(.char("r")))
        #expect(a.state.loading)
        guard case .perform(let work)? = commands.first else { Issue.record("no load command"); return }
        var data = sampleState().data!
        data.datasets.insert(DatasetRow(id: "D0000", name: "new", type: "detection", status: "empty"), at: 0)
        _ = work()  // the loader itself is callable off the loop
        _ = a.update(.loaded(data))
        #expect(!a.state.loading)
        #expect(a.state.selectedDataset?.id == "D0002")
    }

    @Test func loadFailureIsSanitizedAndShown() {
        var a = app()
        _ = a.update(.loadFailed("bad \u{1B}[31mthing"))
        #expect(a.state.error == "bad thing")
    }

    @Test func pagingUsesTheVisibleHeight() {
        var state = sampleState()
        state.data!.datasets = (1...50).map { DatasetRow(id: "D\($0)", name: "n\($0)", type: "detection", status: "empty") }
        var a = app(state)
        _ = a.update(.resized(Size(width: 80, height: 24)))
        _ = a.update(.key(.pageDown))
        // 80×24: the datasets pane is 13 rows, 10 of them list rows.
        #expect(a.state.datasets.selected == 9)
        _ = a.update(.key(.end))
        #expect(a.state.datasets.selected == 49)
        #expect(a.state.datasets.offset == 40)
        let lines = a.render(size: Size(width: 80, height: 24)).lines()
        #expect(lines[12].contains("D50"))
        _ = a.update(.key(.home))
        #expect(a.state.datasets.offset == 0)
    }
}
