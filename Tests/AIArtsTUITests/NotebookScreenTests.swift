import AIArtsEngine
import AIArtsRender
@testable import AIArtsTUI
import Foundation
import Synchronization
import Testing

/// The Models screen's Notebooks list (docs/notebooks.md): each session's state, URL or port,
/// dataset and age; Tab reaches it after the Services list; x stops (after a yes), D removes, Enter
/// shows the endpoint (the URL with its token and the ssh -L line) under the list.
@Suite struct NotebookScreenTests {
    static let created = Date(timeIntervalSinceNow: -300)
    static let notebooks = NotebooksData(sessions: [
        .init(id: "C0001", name: "explore", state: "ready", message: "ready", url: "http://127.0.0.1:41877/lab", port: 41877,
              dataset: "D0001", createdAt: created),
        .init(id: "C0002", name: "broken", state: "failed",
              message: "JupyterLab ended (exit 1): No module named \u{1B}]0;title\u{7}jupyterlab", port: 41999, createdAt: created),
    ])

    static func app(calls: Shared<[String]>, notebooks: NotebooksData = Self.notebooks) -> HomeApp {
        var a = ServicesScreenTests.app(calls: calls)
        a.watchServices = { post in
            post(.servicesLoaded(ServicesScreenTests.services))
            post(.notebooks(.loaded(notebooks)))
            return {}
        }
        a.notebookActions = NotebookActions(
            stop: { id in calls.withLock { $0.append("stop \(id)") }; return Notice(text: "\(id) explore stopped", isError: false) },
            remove: { id in calls.withLock { $0.append("remove \(id)") }; return Notice(text: "\(id) removed", isError: false) },
            endpoint: { id in
                calls.withLock { $0.append("endpoint \(id)") }
                return .success(NotebookEndpointLines(id: id, url: "http://127.0.0.1:41877/lab?token=\(String(repeating: "7f", count: 32))",
                                                      ssh: "ssh -L 41877:127.0.0.1:41877 me@gpu1.lab.example"))
            },
            load: { notebooks })
        return a
    }

    @Test func theNotebooksListShowsStateURLDatasetAndAge() {
        let calls = Shared<[String]>([]), watching = Shared<Set<String>>([])
        var a = Self.app(calls: calls)
        ServicesScreenTests.run(&a, a.update(.key(.char("M"))), watching: watching)
        let lines = a.render(size: a.state.size).lines()
        #expect(lines.joined(separator: "\n").contains("Notebooks"))
        let row = lines.first { $0.contains("C0001") } ?? ""
        #expect(row.contains("explore") && row.contains("ready") && row.contains("http://127.0.0.1:41877/lab") && row.contains("D0001"), "\(row)")
        #expect(row.contains("5m"), "the age: \(row)")
        #expect(!row.contains("token"), "a row never shows the token")
        let failed = lines.first { $0.contains("C0002") } ?? ""
        #expect(failed.contains("failed") && failed.contains("No module named") && !failed.contains("\u{1B}"), "\(failed)")
        // The Services and Models lists are still there.
        #expect(lines.contains { $0.contains("S0001") } && lines.joined().contains("M0001 versions"))
    }

    @Test func anEmptyListSaysHowToStartOneAndTabSkipsIt() {
        let calls = Shared<[String]>([]), watching = Shared<Set<String>>([])
        var a = Self.app(calls: calls, notebooks: NotebooksData(sessions: []))
        ServicesScreenTests.run(&a, a.update(.key(.char("M"))), watching: watching)
        #expect(a.render(size: a.state.size).lines().joined().contains("aiarts code create NAME"))
        ServicesScreenTests.run(&a, a.update(.key(.tab)), watching: watching)
        #expect(a.state.modelsScreen?.servicesFocused == true)
        ServicesScreenTests.run(&a, a.update(.key(.tab)), watching: watching)
        #expect(a.state.modelsScreen?.servicesFocused == false && a.state.modelsScreen?.notebooksFocused == false)
    }

    @Test func tabStopEndpointAndRemove() {
        let calls = Shared<[String]>([]), watching = Shared<Set<String>>([])
        var a = Self.app(calls: calls)
        ServicesScreenTests.run(&a, a.update(.key(.char("M"))), watching: watching)
        // Tab: Models → Services → Notebooks → Models.
        ServicesScreenTests.run(&a, a.update(.key(.tab)), watching: watching)
        #expect(a.state.modelsScreen?.servicesFocused == true)
        ServicesScreenTests.run(&a, a.update(.key(.tab)), watching: watching)
        #expect(a.state.modelsScreen?.notebooksFocused == true && a.state.modelsScreen?.servicesFocused == false)

        // Enter: the endpoint under the list, to copy from the screen.
        ServicesScreenTests.run(&a, a.update(.key(.enter)), watching: watching)
        #expect(calls.withLock { $0 } == ["endpoint C0001"])
        let text = a.render(size: a.state.size).lines().joined(separator: "\n")
        #expect(text.contains("C0001: http://127.0.0.1:41877/lab?token=\(String(repeating: "7f", count: 32))"), "\(text)")
        #expect(text.contains("ssh -L 41877:127.0.0.1:41877 me@gpu1.lab.example"))

        // x asks before stopping; n keeps it; y stops it.
        ServicesScreenTests.run(&a, a.update(.key(.char("x"))), watching: watching)
        #expect(a.state.question?.onYes == .stopNotebook("C0001"))
        ServicesScreenTests.run(&a, a.update(.key(.char("n"))), watching: watching)
        ServicesScreenTests.run(&a, a.update(.key(.char("x"))), watching: watching)
        ServicesScreenTests.run(&a, a.update(.key(.char("y"))), watching: watching)
        #expect(calls.withLock { $0 }.last == "stop C0001" && a.state.notice?.text == "C0001 explore stopped")
        // A failed session cannot be stopped, only removed (after a yes).
        ServicesScreenTests.run(&a, a.update(.key(.char("j"))), watching: watching)
        ServicesScreenTests.run(&a, a.update(.key(.char("x"))), watching: watching)
        #expect(a.state.question == nil && a.state.notice?.isError == true)
        ServicesScreenTests.run(&a, a.update(.key(.char("D"))), watching: watching)
        #expect(a.state.question?.onYes == .removeNotebook("C0002"))
        ServicesScreenTests.run(&a, a.update(.key(.char("y"))), watching: watching)
        #expect(calls.withLock { $0 }.last == "remove C0002")
        // The services were never touched.
        #expect(!calls.withLock { $0 }.contains { $0.contains("S000") })
        ServicesScreenTests.run(&a, a.update(.key(.tab)), watching: watching)
        #expect(a.state.modelsScreen?.notebooksFocused == false && a.state.modelsScreen?.servicesFocused == false)
    }

    @Test func anEndpointThatCannotBeGivenSaysWhy() {
        let calls = Shared<[String]>([]), watching = Shared<Set<String>>([])
        var a = Self.app(calls: calls)
        a.notebookActions.endpoint = { id in .failure(NotebookFailure(text: "\(id) is stopped: its URL answers only while it is ready")) }
        ServicesScreenTests.run(&a, a.update(.key(.char("M"))), watching: watching)
        ServicesScreenTests.run(&a, a.update(.key(.tab)), watching: watching)
        ServicesScreenTests.run(&a, a.update(.key(.tab)), watching: watching)
        ServicesScreenTests.run(&a, a.update(.key(.enter)), watching: watching)
        #expect(a.state.notice?.isError == true && a.state.notice?.text.contains("only while it is ready") == true)
        #expect(a.state.modelsScreen?.endpoint == nil)
    }
}
