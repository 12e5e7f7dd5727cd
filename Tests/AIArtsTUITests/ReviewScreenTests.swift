import AIArtsEngine
import AIArtsRender
import Dispatch
import Foundation
import Testing
import TestSupport
@testable import AIArtsTUI

/// A real small workspace: the demo's classification and detection datasets, eight images each.
private final class ReviewFixture: @unchecked Sendable {
    let root: URL
    let workspace: Workspace
    let classification: String
    let detection: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-review-ui-\(UUID().uuidString.prefix(8))")
        workspace = try Workspace(root: root.appendingPathComponent("ws"), gpuProbe: .none)
        let demo = try ShapesDemo.create(in: workspace, classificationImages: 9, detectionImages: 8)
        classification = demo.classification
        detection = demo.detection
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// A Home app at 100×30 over the fixture, deciding as "tester".
    func app(width: Int = 100, height: Int = 30) -> HomeApp {
        var app = HomeApp(state: HomeState()) { .loadFailed("not used") }
        app.reviewActions = .engine(workspace, reviewer: "tester")
        _ = app.update(.resized(Size(width: width, height: height)))
        return app
    }

    func item(_ app: HomeApp) throws -> ReviewItem {
        try workspace.reviewItem(try #require(app.state.review?.item?.sampleId))
    }
}

/// Runs commands the way the loop does, but at once on this thread: background work returns its
/// message, which goes back into `update`. Returns the commands that are not background work.
@discardableResult
private func drive(_ app: inout HomeApp, _ commands: [Command<HomeMessage>]) -> [Command<HomeMessage>] {
    var queue = commands, others: [Command<HomeMessage>] = []
    while !queue.isEmpty {
        let command = queue.removeFirst()
        if case .perform(let work) = command { queue += app.update(work()) } else { others.append(command) }
    }
    return others
}

@discardableResult
private func press(_ app: inout HomeApp, _ keys: Key...) -> [Command<HomeMessage>] {
    var others: [Command<HomeMessage>] = []
    for key in keys { others += drive(&app, app.update(.key(key))) }
    return others
}

private func type(_ app: inout HomeApp, _ text: String) {
    for c in text { press(&app, .char(c)) }
}

private func screen(_ app: HomeApp) -> String { app.render(size: app.state.size).lines().joined(separator: "\n") }

/// The image area's text (left of the side panel).
private func imageText(_ app: HomeApp) -> String {
    let layout = ReviewScreen.layout(Rect(x: 0, y: 1, width: app.state.size.width, height: app.state.size.height - 2))
    return app.render(size: app.state.size).lines().map { String($0.prefix(layout.image.maxX)) }.joined(separator: "\n")
}

@Suite(.serialized) struct ReviewScreenTests {
    @Test func theDetectionScreenDrawsBoxesLabelsAndWhereTheReviewStands() throws {
        let f = try ReviewFixture()
        var app = f.app()
        drive(&app, app.openReview(ReviewRequest(datasetID: f.detection)))
        let review = try #require(app.state.review)
        #expect(review.queue.count == 8)
        #expect(review.position == 0)
        #expect(review.image?.image != nil, "the image is decoded")
        let item = try #require(review.item)
        let name = item.labels[item.boxes[0].labelIndex]
        let text = screen(app)
        #expect(text.contains("Review \(f.detection)") && text.contains("shapes (detection)"))
        #expect(text.contains("1/8 · split"))
        #expect(text.contains(item.path))
        #expect(text.contains("○ unreviewed"))
        #expect(text.contains("auto-advance on"))
        #expect(text.contains("BOXES 1 · edge: left"))
        // The label list with its number keys.
        #expect(text.contains("1 circle") && text.contains("2 square") && text.contains("3 triangle"))
        // The selected box is drawn over the image with its label, marked.
        #expect(imageText(app).contains("▶ " + name))
        // The second sample has two boxes: both drawn, Tab moves the selection.
        press(&app, .right)
        let second = try #require(app.state.review?.item)
        #expect(second.boxes.count == 2)
        let names = second.boxes.map { second.labels[$0.labelIndex] }
        #expect(imageText(app).contains("▶ " + names[0]))
        #expect(imageText(app).contains(names[1]))
        press(&app, .tab)
        #expect(app.state.review?.selectedBox == 1)
        #expect(imageText(app).contains("▶ " + names[1]))
        press(&app, .backtab)
        #expect(app.state.review?.selectedBox == 0)
    }

    @Test func spaceAcceptsAndAdvancesAndTheStatusSaysByWhom() throws {
        let f = try ReviewFixture()
        var app = f.app()
        drive(&app, app.openReview(ReviewRequest(datasetID: f.detection)))
        let first = try #require(app.state.review?.item?.sampleId)
        press(&app, .char(" "))
        #expect(app.state.review?.position == 1)
        #expect(try f.workspace.reviewItem(first).state?.status == .reviewed)
        #expect(try f.workspace.reviewItem(first).state?.reviewer == "tester")
        press(&app, .left)
        #expect(app.state.review?.position == 0)
        #expect(screen(app).contains("● reviewed by tester"))
        // f flags, b marks bad; each saved at once.
        press(&app, .char("f"))
        #expect(try f.workspace.reviewItem(first).state?.status == .flagged)
        press(&app, .left, .char("b"))
        #expect(try f.workspace.reviewItem(first).state?.status == .bad)
        #expect(try f.workspace.reviewSummary(f.detection).bad == 1)
    }

    @Test func numberKeysAssignTheSelectedBoxsClass() throws {
        let f = try ReviewFixture()
        var app = f.app()
        drive(&app, app.openReview(ReviewRequest(datasetID: f.detection)))
        let before = try f.item(app)
        let target = before.boxes[0].labelIndex == 1 ? 2 : 1
        press(&app, .char(Character(String(target + 1))))
        let after = try f.item(app)
        #expect(after.boxes[0].labelIndex == target)
        #expect(after.state?.changed == true)
        #expect(app.state.review?.item?.boxes[0].labelIndex == target)
        #expect(app.state.review?.position == 0, "a box's class does not move on")
        #expect(screen(app).contains("changed"))
        // A class the dataset does not have says so.
        press(&app, .char("9"))
        #expect(app.state.notice?.text.contains("this dataset has 3 labels") == true)
    }

    @Test func classificationShowsTheClassLargeAndANumberKeyAssignsAndMovesOn() throws {
        let f = try ReviewFixture()
        var app = f.app()
        drive(&app, app.openReview(ReviewRequest(datasetID: f.classification)))
        let item = try #require(app.state.review?.item)
        let name = item.labels[item.boxes[0].labelIndex]
        #expect(screen(app).contains(name.uppercased().map(String.init).joined(separator: " ")))
        let target = (item.boxes[0].labelIndex + 1) % 3
        press(&app, .char(Character(String(target + 1))))
        #expect(try f.workspace.reviewItem(item.sampleId).boxes.map(\.labelIndex) == [target])
        #expect(app.state.review?.position == 1, "auto-advance")
        // Hidden while the hide key is held.
        press(&app, .char("h"))
        let next = try #require(app.state.review?.item)
        #expect(!screen(app).contains(next.labels[next.boxes[0].labelIndex].uppercased().map(String.init).joined(separator: " ")))
    }

    @Test func undoAndRedoRoundTrip() throws {
        let f = try ReviewFixture()
        var app = f.app()
        drive(&app, app.openReview(ReviewRequest(datasetID: f.detection)))
        press(&app, .right)  // two boxes
        let id = try #require(app.state.review?.item?.sampleId)
        let original = try f.workspace.reviewItem(id).boxes
        press(&app, .char("x"))
        #expect(try f.workspace.reviewItem(id).boxes.count == 1)
        #expect(app.state.review?.item?.boxes.count == 1)
        // Move away, then undo: back on the sample, the box back.
        press(&app, .right)
        press(&app, .char("z"))
        #expect(app.state.review?.item?.sampleId == id)
        #expect(app.state.review?.position == 1)
        #expect(try f.workspace.reviewItem(id).boxes == original)
        #expect(app.state.review?.item?.boxes == original)
        #expect(app.state.notice?.text.hasPrefix("undone:") == true)
        press(&app, .char("Z"))
        #expect(try f.workspace.reviewItem(id).boxes.count == 1)
        #expect(app.state.review?.item?.boxes.count == 1)
        press(&app, .char("z"), .char("z"))
        #expect(app.state.notice?.text == "nothing to undo")
        #expect(try f.workspace.reviewItem(id).state == nil)
    }

    @Test func withAutoAdvanceOffAcceptingStays() throws {
        let f = try ReviewFixture()
        var app = f.app()
        drive(&app, app.openReview(ReviewRequest(datasetID: f.detection)))
        press(&app, .char("A"))
        #expect(app.state.review?.autoAdvance == false)
        #expect(screen(app).contains("auto-advance off"))
        press(&app, .char(" "))
        #expect(app.state.review?.position == 0)
        #expect(app.state.review?.item?.state?.status == .reviewed)
        press(&app, .char("f"))
        #expect(app.state.review?.position == 0)
        #expect(app.state.review?.item?.state?.status == .flagged)
    }

    @Test func holdingTheHideKeyHidesTheOverlaysUntilItsTimerRunsOut() throws {
        let f = try ReviewFixture()
        var app = f.app()
        drive(&app, app.openReview(ReviewRequest(datasetID: f.detection)))
        let item = try #require(app.state.review?.item)
        let label = "▶ " + item.labels[item.boxes[0].labelIndex]
        #expect(imageText(app).contains(label))
        // The first press waits for the key to repeat; each repeat sets a shorter timer in its place.
        let first = press(&app, .char("h"))
        #expect(app.state.review?.overlaysHidden == true)
        #expect(!imageText(app).contains(label))
        guard case .watch(let key, _)? = first.first else { Issue.record("no timer"); return }
        #expect(key == "review-hide")
        press(&app, .char("h"))
        #expect(app.state.review?.hideGeneration == 2)
        // The first timer is stale: the key was pressed again since.
        _ = app.update(.review(.reveal(1)))
        #expect(app.state.review?.overlaysHidden == true)
        _ = app.update(.review(.reveal(2)))
        #expect(app.state.review?.overlaysHidden == false)
        #expect(imageText(app).contains(label))
    }

    @Test func theHideTimerShowsTheOverlaysAgainInTheRunningLoop() throws {
        let f = try ReviewFixture()
        var app = f.app()
        drive(&app, app.openReview(ReviewRequest(datasetID: f.detection)))
        let item = try #require(app.state.review?.item)
        let label = "▶ " + item.labels[item.boxes[0].labelIndex]
        let backend = TestBackend(width: 100, height: 30)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) let program = app
        Thread {
            Runtime(program: program, backend: backend).run()
            done.signal()
        }.start()
        let width = ReviewScreen.layout(Rect(x: 0, y: 1, width: 100, height: 28)).image.maxX
        func shown() -> Bool { backend.lines().contains { $0.prefix(width).contains(label) } }
        #expect(waitUntil { shown() })
        backend.press(.char("h"))
        #expect(waitUntil { !shown() })
        // No key comes again: the timer shows them again by itself.
        #expect(waitUntil { shown() })
        backend.press(.interrupt)
        #expect(done.wait(timeout: .now() + 5) == .success)
    }

    @Test func aNoteIsTypedOnOneLineAndSaved() throws {
        let f = try ReviewFixture()
        var app = f.app()
        drive(&app, app.openReview(ReviewRequest(datasetID: f.detection)))
        press(&app, .char("n"))
        #expect(app.state.review?.noteInput == "")
        type(&app, "blurry, q")  // letters that are keys elsewhere are text here
        #expect(screen(app).contains("blurry, q▏"))
        press(&app, .backspace, .backspace, .backspace, .enter)
        #expect(app.state.review?.noteInput == nil)
        #expect(try f.item(app).state?.note == "blurry")
        #expect(screen(app).contains("note: blurry"))
        // Esc leaves without saving.
        press(&app, .char("n"), .char("x"), .esc)
        #expect(try f.item(app).state?.note == "blurry")
    }

    @Test func theLabelPickerNarrowsAsYouTypeAndEnterAssigns() throws {
        let f = try ReviewFixture()
        var app = f.app()
        drive(&app, app.openReview(ReviewRequest(datasetID: f.detection)))
        #expect(LabelPicker.matches("tri", labels: ["circle", "square", "triangle"]) == [2])
        #expect(LabelPicker.matches("cl", labels: ["circle", "square", "triangle", "cloud"]) == [3, 0])
        press(&app, .char("c"))
        type(&app, "sq")
        #expect(screen(app).contains("> sq"))
        press(&app, .enter)
        #expect(app.state.review?.picker == nil)
        #expect(try f.item(app).boxes[0].labelIndex == 1)
    }

    @Test func nudgingMovesTheChosenEdgeWithinTheImage() throws {
        let f = try ReviewFixture()
        var app = f.app()
        drive(&app, app.openReview(ReviewRequest(datasetID: f.detection)))
        let box = try #require(f.item(app).boxes[0].box)
        let step = try #require(app.state.review?.screenPixel)
        #expect(step >= 1)
        press(&app, .char("e"))
        #expect(app.state.review?.edge == .top)
        press(&app, .char("]"))
        let moved = try #require(f.item(app).boxes[0].box)
        #expect(moved.y == box.y + step)
        #expect(moved.y2 == box.y2)
        // Shift (the braces) moves ten times as far; the left edge stops at the image's edge.
        press(&app, .char("e"), .char("e"), .char("e"))
        #expect(app.state.review?.edge == .left)
        for _ in 0..<30 { press(&app, .char("{")) }
        let clamped = try #require(f.item(app).boxes[0].box)
        #expect(clamped.x == 0)
        #expect(clamped.x2 == box.x2)
        #expect(app.state.review?.item?.boxes[0].box == clamped)
    }

    @Test func nextUnreviewedSkipsTheSamplesWithADecision() throws {
        let f = try ReviewFixture()
        var app = f.app()
        drive(&app, app.openReview(ReviewRequest(datasetID: f.detection)))
        press(&app, .char(" "), .char(" "))
        #expect(app.state.review?.position == 2)
        press(&app, .char("0"))  // not a class of this dataset: nothing decided
        press(&app, .left, .left, .char("u"))
        #expect(app.state.review?.position == 2)
        // Reopening starts at the first sample nobody decided about.
        drive(&app, app.openReview(ReviewRequest(datasetID: f.detection)))
        #expect(app.state.review?.position == 2)
    }

    @Test func quittingWaitsForDecisionsOnTheirWay() throws {
        let f = try ReviewFixture()
        var app = f.app()
        drive(&app, app.openReview(ReviewRequest(datasetID: f.detection)))
        let saving = app.update(.key(.char(" ")))  // not run yet
        let quit = app.update(.key(.char("q")))
        #expect(!quit.contains { if case .quit = $0 { true } else { false } })
        let others = drive(&app, saving)
        #expect(others.contains { if case .quit = $0 { true } else { false } })
        #expect(try f.workspace.reviewSummary(f.detection).reviewed == 1)
    }

    @Test func theCommandLineAndTheDatasetScreenOpenAReview() throws {
        let f = try ReviewFixture()
        var app = f.app()
        #expect(CommandLineInput.parse("review D0002 split=val status=unreviewed order=T0001 label=cat batch=3 filter=mine")
            == .review(ReviewRequest(datasetID: "D0002", label: "cat", split: .val, status: .unreviewed, order: "T0001", filter: "mine", batch: 3)))
        #expect(CommandLineInput.parse("review D0002 split=sideways") == .error("split is train, val or test"))
        #expect(CommandLineInput.parse("review D0002 colour=red").map { if case .error = $0 { true } else { false } } == true)
        // Tab completes the dataset, then the key=value words.
        app.state.data = try HomeData.load(from: f.workspace)
        #expect(CommandLineInput.complete("review D0", state: app.state).text == "review D000")
        #expect(CommandLineInput.complete("review \(f.detection) sp", state: app.state).text == "review \(f.detection) split=")
        #expect(CommandLineInput.complete("review \(f.detection) split=v", state: app.state).text == "review \(f.detection) split=val ")
        #expect(CommandLineInput.complete("review \(f.detection) label=tr", state: app.state).text == "review \(f.detection) label=triangle ")
        press(&app, .char(":"))
        type(&app, "review \(f.detection) split=train")
        press(&app, .enter)
        #expect(app.state.review?.request.split == .train)
        #expect(app.state.review?.queue.isEmpty == false)
        let text = screen(app)
        #expect(text.contains("split train"))
        // Another screen from the command line opens over the review; Esc goes back to it.
        press(&app, .char(":"))
        type(&app, "gpu")
        press(&app, .enter)
        #expect(app.state.gpuScreen != nil && app.state.keyContext == .gpu)
        #expect(app.state.review != nil)
        press(&app, .esc)
        #expect(app.state.keyContext == .review)
        // An unknown dataset says why on the screen.
        press(&app, .char(":"))
        type(&app, "review D0099")
        press(&app, .enter)
        #expect(screen(app).contains("cannot review: D0099"))
        press(&app, .esc)
        // r on the dataset screen: its label filter applies.
        app.state.datasetScreen = DatasetScreenState(datasetID: f.detection)
        drive(&app, [.perform { DatasetScreenData.load(datasetID: f.detection, from: f.workspace) }])
        press(&app, .char("f"))
        press(&app, .char("r"))
        #expect(app.state.review?.request == ReviewRequest(datasetID: f.detection, label: "circle"))
        #expect(app.state.keyContext == .review)
        press(&app, .esc)
        #expect(app.state.keyContext == .dataset)
    }

    @Test func modelAssistedOrderShowsTheSuggestionFirstAndOneKeyAcceptsIt() throws {
        let f = try ReviewFixture()
        let project = try #require(try f.workspace.projects().first { $0.datasetId == f.detection })
        let task = try f.workspace.createTask(projectID: project.id, name: "detector", trainer: .command, params: ["command": "true"])
        // Predictions for one image: its own boxes, confidently, plus a square no stored box matches.
        let queue = try f.workspace.reviewQueue(ReviewScope(datasetId: f.detection), order: .dataset)
        let target = try f.workspace.reviewItem(queue[3])
        var lines = [#"{"type":"header","task":"detection","labels":["circle","square","triangle"],"split":"val","epoch":1}"#]
        let boxes = target.boxes.compactMap { b in b.box.map { #"{"label":"\#(target.labels[b.labelIndex])","score":0.99,"bbox":[\#($0.x),\#($0.y),\#($0.width),\#($0.height)]}"# } }
            + [#"{"label":"square","score":0.95,"bbox":[2,2,20,20]}"#]
        lines.append(#"{"file":"\#(target.path)","boxes":[\#(boxes.joined(separator: ","))]}"#)
        let eval = f.workspace.taskFolder(task.id).appendingPathComponent("eval")
        try FileManager.default.createDirectory(at: eval, withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(to: eval.appendingPathComponent("best_val.predictions.jsonl"), atomically: true, encoding: .utf8)

        var app = f.app()
        drive(&app, app.openReview(ReviewRequest(datasetID: f.detection, order: task.id)))
        let review = try #require(app.state.review)
        #expect(review.predicted == 1)
        #expect(review.queue.first == target.sampleId, "the strongest disagreement first")
        #expect(review.item?.suggestions.first?.kind == .missingBox)
        let text = screen(app)
        #expect(text.contains("model: "))
        #expect(text.contains("(s accepts)"))
        #expect(imageText(app).contains("? square 0.95"), "the suggested box is drawn")
        press(&app, .char("s"))
        #expect(try f.workspace.reviewItem(target.sampleId).boxes.count == target.boxes.count + 1)
        // Samples the model did not see say so.
        press(&app, .right)
        #expect(screen(app).contains("model: no prediction here"))
    }

    @Test func theVimKeymapReviewsWithItsOwnKeys() throws {
        let f = try ReviewFixture()
        var app = f.app()
        app.state.keymap = try Keymap.builtin("vim")
        drive(&app, app.openReview(ReviewRequest(datasetID: f.detection)))
        press(&app, .char("l"))
        #expect(app.state.review?.position == 1)
        press(&app, .char("j"))
        #expect(app.state.review?.selectedBox == 1)
        press(&app, .char(" "))
        #expect(app.state.review?.position == 2)
        press(&app, .char("u"))
        #expect(app.state.review?.position == 1)
        #expect(try f.workspace.reviewSummary(f.detection).reviewed == 0)
        press(&app, .ctrl("r"))
        #expect(try f.workspace.reviewSummary(f.detection).reviewed == 1)
    }

    @Test func anAnnotationBatchsAttributesAreShownAndEditedInAForm() throws {
        let f = try ReviewFixture()
        let formatter = try AnnotationFormatter.parse("""
            [{"name": "circle", "description": "round", "attributes": [{"name": "size", "values": ["small", "large"]}, {"name": "comment", "values": []}]},
             {"name": "square", "description": "", "attributes": [{"name": "size", "values": ["small", "large"]}, {"name": "comment", "values": []}]},
             {"name": "triangle", "description": "", "attributes": [{"name": "size", "values": ["small", "large"]}, {"name": "comment", "values": []}]}]
            """)
        let task = try f.workspace.createAnnotationTask(datasetId: f.detection, name: "sizes", formatter: formatter, size: 3)
        let batch = try f.workspace.applyAnnotationBatch(taskId: task.id, user: "tester")
        var app = f.app(width: 110, height: 34)
        drive(&app, app.openReview(ReviewRequest(datasetID: f.detection, batch: batch.id)))
        #expect(app.state.review?.queue == batch.sampleIds)
        #expect(app.state.review?.annotation?.id == task.id)
        let item = try f.item(app)
        let tag = item.labels[item.boxes[0].labelIndex]
        #expect(screen(app).contains("ATTRIBUTES · t edits"))
        #expect(screen(app).contains("\(tag).size = -"))
        // t: a choice for the size, text for the comment; saved together.
        press(&app, .char("t"))
        #expect(app.state.fieldForm?.title == "Attributes (\(task.id))")
        press(&app, .right, .right)  // - → small → large
        press(&app, .tab)
        type(&app, "hidden")
        press(&app, .enter)
        #expect(app.state.fieldForm == nil)
        let stored = try f.workspace.sampleAttributes(sampleId: item.sampleId)
        #expect(stored.contains { $0.tag == tag && $0.name == "size" && $0.value == "large" && $0.reviewer == "tester" })
        #expect(stored.contains { $0.tag == tag && $0.name == "comment" && $0.value == "hidden" })
        #expect(screen(app).contains("\(tag).size = large"))
        #expect(screen(app).contains("\(tag).comment = hidden"))
        // Outside an annotation batch, t says where attributes come from.
        drive(&app, app.openReview(ReviewRequest(datasetID: f.detection)))
        press(&app, .char("t"))
        #expect(app.state.fieldForm == nil && app.state.notice?.text.contains("--batch") == true)
    }

    @Test func helpListsTheReviewKeysOfTheActiveKeymap() throws {
        let f = try ReviewFixture()
        var app = f.app()
        drive(&app, app.openReview(ReviewRequest(datasetID: f.detection)))
        #expect(screen(app).contains("Space accept"))
        press(&app, .char("?"))
        let text = screen(app)
        #expect(text.contains("accept as reviewed"))
        #expect(text.contains("hold to hide the boxes and labels"))
        press(&app, .esc)
        #expect(!app.state.showHelp)
        #expect(app.state.review != nil)
    }
}
