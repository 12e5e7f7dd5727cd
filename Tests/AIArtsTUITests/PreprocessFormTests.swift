import Foundation
import AIArtsEngine
import AIArtsImaging
import AIArtsRender
import Testing
@testable import AIArtsTUI

/// The preprocessing form over a dataset's screen (docs/ui.md, "Preprocessing"): its keys as effects,
/// the op list's parsing, the preview made off the loop and superseded by newer edits, the job's
/// progress and cancel, and what is drawn.
@Suite struct PreprocessFormTests {
    static let sample = DatasetScreenData.Sample(path: "a.png", split: "train", width: 40, height: 20, labels: [0],
                                                 boxes: [PreviewBox(x: 2, y: 4, width: 10, height: 6, label: 0)])

    static func data(folder: String = "/data") -> DatasetScreenData {
        DatasetScreenData(id: "D0002", name: "shapes", type: "detection", folder: folder, labels: ["circle"], counts: [1],
                          samples: [sample], failed: [])
    }

    /// The app with D0002's screen open and loaded, `actions` behind the form.
    static func app(_ actions: PreprocessActions = .none) -> HomeApp {
        var a = HomeApp(state: sampleState()) { .loaded(sampleState().data!) }
        _ = a.update(.loaded(sampleState().data!))
        a.preprocessActions = actions
        a.state.size = Size(width: 120, height: 40)
        var screen = DatasetScreenState(datasetID: "D0002")
        screen.data = data()
        a.state.screens = [.dataset(screen)]
        return a
    }

    static func type(_ text: String, into a: inout HomeApp) {
        for c in text { _ = a.update(.key(.char(c))) }
    }

    @Test func opListsSplitOnCommasKeepingAnOpsOwnCommas() {
        #expect(PreprocessOpList.split("flip_v, brightness=0.4 ,median=5") == ["flip_v", "brightness=0.4", "median=5"])
        #expect(PreprocessOpList.split("crop=10,10,200,200, gaussian=1.5,k5; pad=1,2,3,4:9,flip_h")
                == ["crop=10,10,200,200", "gaussian=1.5,k5", "pad=1,2,3,4:9", "flip_h"])
        #expect(PreprocessOpList.split(" , ,") == [])
        #expect(PreprocessOpList.firstError(["flip_v", "median=4", "blur=3"])?.contains("median=4") == true)
        #expect(PreprocessOpList.firstError(["flip_v", "resize=320x240"]) == nil)
    }

    @Test func pOpensTheFormPreviewingTheSelectedImageAsItIs() {
        var a = Self.app()
        let effects = a.reduce(.key(.char("p")))
        guard case .push(.preprocess(let form))? = effects.first else { Issue.record("no form pushed: \(effects)"); return }
        #expect(form.datasetID == "D0002" && form.sample == Self.sample && form.name == "shapes-pre")
        #expect(effects.contains(.preprocess(.preview(PreprocessPreviewRequest(generation: 1, sample: Self.sample, folder: "/data", ops: [])))))
    }

    @Test func typingPreviewsEachValidListAndShowsTheFirstErrorUnderTheField() {
        var a = Self.app()
        _ = a.update(.key(.char("p")))
        Self.type("flip_v, median=4", into: &a)
        // The error names the bad op; the preview of the last valid list is superseded.
        let form = a.state.preprocess!
        #expect(form.error?.contains("median=4") == true)
        #expect(form.ops == ["flip_v", "median=4"])
        #expect(!a.preprocessActions.previewer.isCurrent(form.generation - 1))
        let lines = a.render(size: Size(width: 120, height: 40)).lines()
        let field = lines.firstIndex { $0.contains("ops") && $0.contains("flip_v, median=4") }
        #expect(field != nil)
        if let field { #expect(lines[field + 1].contains("✗ bad op 'median=4'")) }
        // Fixing it asks for a preview of the new list, with a newer generation.
        let effects = a.reduce(.key(.backspace)) + a.reduce(.key(.char("5")))
        #expect(a.state.preprocess?.error == nil)
        #expect(effects.last == .preprocess(.preview(PreprocessPreviewRequest(generation: form.generation + 2, sample: Self.sample, folder: "/data",
                                                                              ops: ["flip_v", "median=5"]))))
    }

    @Test func theListRemovesAndMovesOps() {
        var a = Self.app()
        _ = a.update(.key(.char("p")))
        Self.type("flip_v, brightness=0.4, median=5", into: &a)
        _ = a.update(.key(.tab))  // to the list
        _ = a.update(.key(.down))
        _ = a.update(.key(.char("[")))  // brightness up
        #expect(a.state.preprocess?.text == "brightness=0.4, flip_v, median=5")
        #expect(a.state.preprocess?.selected == 0)
        _ = a.update(.key(.char("]")))
        _ = a.update(.key(.char("]")))
        #expect(a.state.preprocess?.ops == ["flip_v", "median=5", "brightness=0.4"])
        _ = a.update(.key(.char("-")))
        #expect(a.state.preprocess?.ops == ["flip_v", "median=5"])
        #expect(a.state.preprocess?.selected == 1)
    }

    /// The previewer outlives a form: a form opened again starts over at generation 1 and is current.
    @Test func aFormOpenedAgainIsPreviewedAgain() {
        var a = Self.app()
        _ = a.update(.key(.char("p")))
        Self.type("flip_v, median=5", into: &a)
        _ = a.update(.key(.esc))
        #expect(!a.preprocessActions.previewer.isCurrent(2))
        _ = a.update(.key(.char("p")))
        #expect(a.state.preprocess?.generation == 1)
        #expect(a.preprocessActions.previewer.isCurrent(1))
    }

    @Test func anOlderPreviewIsDroppedWhenItLandsLate() {
        var a = Self.app()
        _ = a.update(.key(.char("p")))
        Self.type("flip_v", into: &a)
        let generation = a.state.preprocess!.generation
        _ = a.update(.preprocess(.previewed(PreprocessPreview(generation: generation - 1, error: "old"))))
        #expect(a.state.preprocess?.preview == nil)
        _ = a.update(.preprocess(.previewed(PreprocessPreview(generation: generation, error: "new"))))
        #expect(a.state.preprocess?.preview?.error == "new")
    }

    @Test func thePreviewAppliesTheOpsOffTheLoopAndMovesTheBoxes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pp-preview-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // 40×20: red on the left half, blue on the right.
        var pixels: [UInt8] = []
        for _ in 0..<20 { for x in 0..<40 { pixels += x < 20 ? [255, 0, 0] : [0, 0, 255] } }
        try Data(ImageCodec.encodePNG(RGBImage(width: 40, height: 20, pixels: pixels))).write(to: folder.appendingPathComponent("a.png"))
        let previewer = PreprocessPreviewer()
        let request = PreprocessPreviewRequest(generation: 3, sample: Self.sample, folder: folder.path, ops: ["flip_h", "rotate=90"])
        previewer.supersede(3)
        let preview = try #require(previewer.render(request, pixels: Size(width: 200, height: 200)))
        #expect(preview.error == nil)
        #expect(preview.before == ImageSize(width: 40, height: 20) && preview.after == ImageSize(width: 20, height: 40))
        // Flipped, blue is on the left; turned counter-clockwise, the left becomes the bottom.
        let after = try #require(preview.processed)
        #expect(Array(after.rgb[0..<3]) == [255, 0, 0])
        #expect(Array(after.rgb[(after.width * (after.height - 1)) * 3..<(after.width * (after.height - 1)) * 3 + 3]) == [0, 0, 255])
        // The box (2,4 10×6) flipped to (28,4), then turned: x = 4, y = 40 − 28 − 10 = 2, 6×10.
        #expect(preview.processedBoxes == [PreviewBox(x: 4, y: 2, width: 6, height: 10, label: 0)])
        // A newer request supersedes it: the older one answers nothing.
        previewer.supersede(4)
        #expect(previewer.render(request, pixels: Size(width: 200, height: 200)) == nil)
        // A crop that does not fit is said in one line, the original still shown.
        let crop = PreprocessPreviewRequest(generation: 5, sample: Self.sample, folder: folder.path, ops: ["crop=30,0,20,10"])
        previewer.supersede(5)
        let refused = try #require(previewer.render(crop, pixels: Size(width: 200, height: 200)))
        #expect(refused.original != nil && refused.processed == nil && refused.error?.contains("does not fit") == true)
    }

    @Test func aCorruptImageIsAReasonNotACrash() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pp-corrupt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("not a png\u{1b}]0;pwned\u{7}".utf8).write(to: folder.appendingPathComponent("a.png"))
        let previewer = PreprocessPreviewer()
        previewer.supersede(1)
        let preview = try #require(previewer.render(PreprocessPreviewRequest(generation: 1, sample: Self.sample, folder: folder.path, ops: []),
                                                    pixels: Size(width: 50, height: 50)))
        #expect(preview.original == nil && preview.error?.hasPrefix("cannot decode a.png") == true)
        #expect(preview.error?.contains("\u{1b}") == false)
    }

    @Test func boxesFollowCropsPadsAndResizes() {
        let box = PreviewBox(x: 10, y: 10, width: 20, height: 10, label: 1)
        let size = ImageSize(width: 100, height: 50)
        let ops = try! PreprocessOp.parse(["pad=5", "resize=220x120", "crop=0,0,50,50"])
        let moved = PreprocessPreviewBoxes.transform([box, PreviewBox(x: 80, y: 30, width: 10, height: 10, label: 0)], ops: ops, size: size)
        // Padded to (15,15), doubled to (30,30 40×20), cropped at 50: 20 wide is kept; the second leaves.
        #expect(moved.boxes == [PreviewBox(x: 30, y: 30, width: 20, height: 20, label: 1)])
        #expect(moved.dropped == 1)
    }

    /// Enter runs the job through the actions; progress is drawn; Esc cancels it (the watch stops,
    /// which cancels the job); its end is told and the workspace read again.
    @Test func theJobRunsWithProgressAndCancels() {
        var a = Self.app()
        _ = a.update(.key(.char("p")))
        Self.type("flip_h", into: &a)
        let effects = a.reduce(.key(.enter))
        #expect(effects == [.preprocess(.run(PreprocessRun(datasetID: "D0002", ops: ["flip_h"], into: "shapes-pre")))])
        let commands = a.run(effects)
        guard case .watch(let key, _)? = commands.first else { Issue.record("no watch"); return }
        #expect(key == "preprocess-job")
        _ = a.update(.preprocess(.progress(done: 3, total: 10)))
        let text = a.render(size: Size(width: 120, height: 40)).lines().joined(separator: "\n")
        #expect(text.contains("running: 3/10 images"))
        // Typing does nothing while it runs; Esc cancels.
        _ = a.update(.key(.char("x")))
        #expect(a.state.preprocess?.text == "flip_h")
        let cancel = a.update(.key(.esc))
        guard case .unwatch(let stopped)? = cancel.first else { Issue.record("no unwatch"); return }
        #expect(stopped == "preprocess-job")
        #expect(a.state.preprocess?.job == .running(done: 3, total: 10, cancelling: true))
        let end = a.reduce(.preprocess(.failed("cancelled: D0002 is as it was")))
        #expect(end.contains(.preprocess(.reload)))
        #expect(a.state.preprocess?.job == .failed("cancelled: D0002 is as it was"))
        // Add mode: no name needed.
        _ = a.update(.key(.tab)); _ = a.update(.key(.tab))
        _ = a.update(.key(.right))
        #expect(a.reduce(.key(.enter)) == [.preprocess(.run(PreprocessRun(datasetID: "D0002", ops: ["flip_h"], into: nil)))])
    }

    @Test func enterRefusesAnInvalidListWithItsReason() {
        var a = Self.app()
        _ = a.update(.key(.char("p")))
        #expect(a.reduce(.key(.enter)) == [.preprocess(.notice("type at least one op, e.g. flip_v, brightness=0.4, median=5", isError: true))])
        Self.type("zoom=2", into: &a)
        _ = a.update(.key(.enter))
        #expect(a.state.notice?.isError == true && a.state.notice?.text.contains("unknown op 'zoom=2'") == true)
        #expect(a.state.preprocess?.job == nil)
        _ = a.update(.key(.esc))
        #expect(a.state.preprocess == nil && a.state.openDatasetID == "D0002")
    }
}
