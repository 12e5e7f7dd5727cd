import AIArtsImaging
import Foundation
import Testing
@testable import AIArtsEngine

/// The preprocessing job (docs/preprocessing.md) on a generated detection dataset (D0002).
@Suite struct PreprocessJobTests {
    static func workspace() throws -> (Workspace, URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-prep-\(UUID().uuidString.prefix(8))")
        let ws = try Workspace(root: root)
        _ = try ShapesDemo.create(in: ws, classificationImages: 3, detectionImages: 6)
        return (ws, root)
    }

    func staging(_ ws: Workspace) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: ws.datasetsFolder.appendingPathComponent(".staging").path)) ?? []
    }

    @Test func intoMakesANewDatasetWithMovedBoxesAndPixels() throws {
        let (ws, root) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let job = try ws.preprocessDataset("D0002", ops: [.flipHorizontal], mode: .into("flipped"))
        #expect(job.datasetID == "D0002")
        let result = try job.wait()
        #expect(result.datasetID == "D0003" && result.images == 6 && result.failed == 0 && result.droppedAnnotations == 0)
        let (before, oldFolder) = try ws.content("D0002")
        let (after, newFolder) = try ws.content("D0003")
        #expect(after.labels == before.labels && after.type == .detection)
        #expect(after.samples.map(\.path) == before.samples.map(\.path))
        #expect(after.samples.map(\.split) == before.samples.map(\.split))
        for (a, b) in zip(before.samples, after.samples) {
            #expect(a.annotations.count == b.annotations.count)
            for (x, y) in zip(a.annotations, b.annotations) {
                let w = Double(a.size.width)
                #expect(y.box == Box(x: w - x.box!.x2, y: x.box!.y, width: x.box!.width, height: x.box!.height))
                #expect(y.labelIndex == x.labelIndex)
            }
        }
        // The pixels are the original's mirrored (within JPEG's re-encoding error).
        let original = try ImageCodec.decode(contentsOf: oldFolder.appendingPathComponent(before.samples[0].path).path).image
        let made = try ImageCodec.decode(contentsOf: newFolder.appendingPathComponent(after.samples[0].path).path).image
        let mirrored = original.flippedHorizontally()
        var worst = 0
        for y in stride(from: 0, to: made.height, by: 7) { for x in stride(from: 0, to: made.width, by: 7) {
            worst = max(worst, made.color(x: x, y: y).distance(to: mirrored.color(x: x, y: y)))
        } }
        #expect(worst < 40, "largest difference \(worst)")
        let summary = try ws.summary("D0003")
        #expect(summary.description.contains("preprocessed from D0002") && summary.description.contains("flip_h"))
        #expect(summary.annotations == (try ws.summary("D0002")).annotations)
        let origin = try JSONDecoder.iso.decode(PreprocessOrigin.self, from: Data(contentsOf: newFolder.appendingPathComponent("preprocess.json")))
        #expect(origin.source == "D0002" && origin.ops == [.flipHorizontal] && origin.mode == "into")
        #expect(try ws.summary("D0002").status == "copied")
        #expect(staging(ws).isEmpty)
    }

    @Test func addAppendsCopiesBesideTheOriginalsAndCountsFailures() throws {
        let (ws, root) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let (before, folder) = try ws.content("D0002")
        // One image broken after import: it is skipped with its reason, the rest goes on.
        try Data("garbage".utf8).write(to: folder.appendingPathComponent(before.samples[2].path))
        let labelsBefore = try ws.summary("D0002").labels
        let result = try ws.preprocessDataset("D0002", ops: [.rotate(quarterTurns: 1), .brightness(0.5)], mode: .add).wait()
        #expect(result.images == 5 && result.failed == 1 && result.datasetID == "D0002")
        let s = try ws.summary("D0002")
        #expect(s.images == 11 && s.status == "copied")
        #expect(s.failed.count == 1 && s.failed[0].path == before.samples[2].path && s.failed[0].reason.hasPrefix("preprocess:"))
        let added = try ws.content("D0002").0.samples.filter { $0.path.hasPrefix("aug-1/") }
        #expect(added.count == 5)
        let first = try #require(added.first)
        let stem = ((before.samples[0].path as NSString).deletingPathExtension)
        #expect(first.path == "aug-1/\(stem)__rotate90__brightness0.5.jpg")
        #expect(first.split == before.samples[0].split)
        // Rotated: width and height swap.
        #expect(first.size == ImageSize(width: before.samples[0].size.height, height: before.samples[0].size.width))
        let total = { (labels: [DatasetSummary.LabelCount]) in labels.reduce(0) { $0 + $1.count } }
        #expect(total(s.labels) == total(labelsBefore) + added.reduce(0) { $0 + $1.annotations.count })
        // A second run goes to aug-2.
        _ = try ws.preprocessDataset("D0002", ops: [.flipVertical], mode: .add).wait()
        #expect(try ws.content("D0002").0.samples.contains { $0.path.hasPrefix("aug-2/") })
    }

    @Test func aCancelLeavesEverythingAsItWas() throws {
        let (ws, root) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let before = try ws.summaries()
        let job = try ws.preprocessDataset("D0002", ops: [.gaussian(sigma: 5, size: 31)], mode: .into("never"))
        job.cancel()
        #expect(throws: CancellationError.self) { try job.wait() }
        #expect(try ws.summaries().map(\.id) == before.map(\.id))
        let s = try ws.summary("D0002")
        #expect(s.status == "copied" && s.images == 6)
        #expect(try ws.importOwner("D0002") == nil)
        #expect(staging(ws).isEmpty)
    }

    @Test func requestsAreCheckedBeforeAnythingStarts() throws {
        let (ws, root) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(throws: AIArtsError.self) { try ws.preprocessDataset("D0002", ops: [], mode: .add) }
        #expect(throws: AIArtsError.self) { try ws.preprocessDataset("D0002", ops: [.flipVertical], mode: .into("  ")) }
        #expect(throws: AIArtsError.self) { try ws.preprocessDataset("D0099", ops: [.flipVertical], mode: .add) }
        // One run at a time per dataset.
        let job = try ws.preprocessDataset("D0002", ops: [.gaussian(sigma: 5, size: 31)], mode: .add)
        do {
            _ = try ws.preprocessDataset("D0002", ops: [.flipVertical], mode: .add)
            Issue.record("a second run was allowed")
        } catch let error as AIArtsError {
            #expect(error.kind == .conflict)
        }
        job.cancel()
        _ = try? job.wait()
        let plan = try ws.preprocessPlan("D0002", ops: [.crop(x: 0, y: 0, width: 200, height: 100)], mode: .add)
        #expect(plan.images == 6 && plan.refused == 6 && plan.examplePath?.hasPrefix("aug-1/") == true)
        #expect(try ws.summary("D0002").images == 6)
    }
}

private extension JSONDecoder {
    static var iso: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }
}

/// Class masks travel with their images (nearest neighbour, palette kept).
@Suite struct PreprocessMaskJobTests {
    @Test func masksAreMovedWithTheirImages() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-prep-seg-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let source = root.appendingPathComponent("src")
        try FileManager.default.createDirectory(at: source.appendingPathComponent("images"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: source.appendingPathComponent("annotations"), withIntermediateDirectories: true)
        try "background\nthing\nother\n".write(to: source.appendingPathComponent("labels.txt"), atomically: true, encoding: .utf8)
        let image = RGBImage(width: 8, height: 6, pixels: (0..<(8 * 6 * 3)).map { UInt8(($0 * 11) & 0xFF) })
        let mask = IndexedImage(width: 8, height: 6, values: (0..<48).map { $0 % 8 < 3 ? 1 : ($0 / 8 > 3 ? 2 : 0) })
        try Data(ImageCodec.encodePNG(image)).write(to: source.appendingPathComponent("images/a.png"))
        try Data(ImageCodec.encodeMask(mask)).write(to: source.appendingPathComponent("annotations/a.png"))
        let ws = try Workspace(root: root.appendingPathComponent("ws"))
        let record = try ws.createDataset(name: "seg", type: .segmentation)
        _ = try ws.importDataset(record.id, from: source, format: .seg)
        let ops: [PreprocessOp] = [.rotate(quarterTurns: 1), .pad(left: 1, top: 0, right: 0, bottom: 2, value: 9), .brightness(0.5)]
        let result = try ws.preprocessDataset(record.id, ops: ops, mode: .into("turned")).wait()
        #expect(result.images == 1 && result.failed == 0)
        let (content, folder) = try ws.content(result.datasetID)
        let sample = try #require(content.samples.first)
        #expect(sample.size == ImageSize(width: 7, height: 10))
        let madeMask = try ImageCodec.decodeMask(contentsOf: folder.appendingPathComponent(try #require(sample.maskPath)).path)
        #expect(madeMask.values == PreprocessPipeline.apply(ops, to: mask).values)
        // PNG is lossless: the pixels are exactly the pipeline's.
        let madeImage = try ImageCodec.decode(contentsOf: folder.appendingPathComponent(sample.path).path).image
        #expect(madeImage == PreprocessPipeline.apply(ops, to: image))
        #expect(try ws.summary(result.datasetID).labels.map(\.name) == ["background", "thing", "other"])
        // A crop keeping only the three left columns (all class 1) drops the rows of classes 0 and 2.
        let before = try ws.summary(record.id).labels.map(\.count)
        let cropped = try ws.preprocessDataset(record.id, ops: [.crop(x: 0, y: 0, width: 3, height: 6)], mode: .into("left")).wait()
        let after = try ws.summary(cropped.datasetID).labels.map(\.count)
        #expect(before == [1, 1, 1] && after == [0, 1, 0] && cropped.droppedAnnotations == 2, "\(before) → \(after)")
    }
}
