import AIArtsImaging
import Foundation
import Testing
@testable import AIArtsEngine

@Suite struct ImportPipelineTests {
    @Test func badImagesAreRecordedAndGoodOnesImport() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        let good = Fixtures.jpeg()
        src.write("cat/good.jpg", good)
        src.write("cat/truncated.jpg", good.prefix(good.count / 2))
        src.write("dog/empty.jpg", Data())
        src.write("dog/garbage.jpg", Data("definitely not a jpeg".utf8))
        src.write("dog/fine.png", Fixtures.png())
        let id = try ws.createDataset(name: "pets", type: .classification).id
        let result = try ws.importDataset(id, from: src.url, format: .imagenet)
        #expect(result.images == 2)
        #expect(result.failed == 3)
        let summary = try ws.summary(id)
        #expect(summary.status == "copied")
        #expect(summary.labels.map(\.name) == ["cat", "dog"])
        #expect(summary.labels.map(\.count) == [1, 1])
        let reasons = Dictionary(uniqueKeysWithValues: summary.failed.map { ($0.path, $0.reason) })
        #expect(reasons["cat/truncated.jpg"]?.contains("ends early") == true)
        #expect(reasons["dog/empty.jpg"]?.contains("empty") == true)
        #expect(reasons["dog/garbage.jpg"] != nil)
        // Copied into the workspace, under the dataset's folder.
        #expect(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("datasets/\(id)/cat/good.jpg").path))
        #expect(!FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("datasets/\(id)/cat/truncated.jpg").path))
        _ = _folder
    }

    @Test func boxesAreClampedAndBoxesOutsideDropped() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("JPEGImages/a.jpg", Fixtures.jpeg(width: 100, height: 80))
        src.write("Annotations/a.xml", Fixtures.voc("a.jpg", width: 100, height: 80, objects: [
            ("cat", 1, 1, 100, 80),          // 1-based corners touching the edge: kept
            ("dog", -5, 10, 50, 90),        // partly outside: clamped
            ("cat", 150, 10, 180, 40),      // wholly outside: dropped
        ]))
        let id = try ws.createDataset(name: "d", type: .detection).id
        try ws.importDataset(id, from: src.url, format: .voc)
        let (content, _) = try ws.content(id)
        let boxes = content.samples[0].annotations.compactMap(\.box)
        #expect(boxes == [Box(x1: 1, y1: 1, x2: 100, y2: 80), Box(x1: 0, y1: 10, x2: 50, y2: 80)])
        #expect(try ws.summary(id).failed.contains { $0.reason.contains("no area inside the 100×80 image") })
        _ = _folder
    }

    @Test func failedImportKeepsWhatTheDatasetHad() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("cat/a.jpg", Fixtures.jpeg())
        let id = try ws.createDataset(name: "d", type: .classification).id
        try ws.importDataset(id, from: src.url, format: .imagenet)
        let broken = TempFolder()
        broken.write("cat/bad.jpg", Data("x".utf8))
        #expect(throws: AIArtsError.self) { try ws.importDataset(id, from: broken.url, format: .imagenet) }
        let summary = try ws.summary(id)
        #expect(summary.status == "check_failed")
        #expect(summary.statusMessage.contains("no image"))
        #expect(summary.images == 1)
        #expect(FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("datasets/\(id)/cat/a.jpg").path))
        _ = _folder
    }

    @Test func cancelLeavesNothingHalfWritten() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        for i in 0..<40 { src.write("cat/\(i).jpg", Fixtures.jpeg()) }
        let id = try ws.createDataset(name: "d", type: .classification).id
        #expect(throws: CancellationError.self) {
            try ws.importDataset(id, from: src.url, format: .imagenet, isCancelled: { true })
        }
        let summary = try ws.summary(id)
        #expect(summary.status == "cancelled")
        #expect(summary.images == 0)
        let staging = ws.root.appendingPathComponent("datasets/.staging")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? []).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: ws.root.appendingPathComponent("datasets/\(id)").path))
        _ = _folder
    }

    @Test func cancelFromAnotherProcessThroughTheDatabase() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let other = try Workspace(root: ws.root)
        let src = TempFolder()
        for i in 0..<100 { src.write("cat/\(i).jpg", Fixtures.jpeg()) }
        let id = try ws.createDataset(name: "d", type: .classification).id
        let asked = ErrorBox()
        // Another connection (as another process would) asks to cancel once checking is under way;
        // the sleep stands for slow images, so the import's next poll of the flag comes after it.
        let job = ws.startImport(id, from: src.url, format: .imagenet, onProgress: { progress in
            guard progress.phase == .checking, progress.done > 0, asked.count == 0 else { return }
            asked.add(CancellationError())
            _ = try? other.requestCancel(id)
            usleep(300_000)
        })
        #expect(throws: CancellationError.self) { try job.wait() }
        #expect(try ws.summary(id).status == "cancelled")
        #expect(try ws.summary(id).images == 0)
        _ = _folder
    }

    @Test func registerLeavesFilesInPlace() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("train/cat/a.jpg", Fixtures.jpeg())
        src.write("val/dog/b.jpg", Fixtures.jpeg())
        let id = try ws.createDataset(name: "d", type: .classification).id
        try ws.importDataset(id, from: src.url, format: .imagenet, mode: .register)
        let record = try ws.dataset(id)
        #expect(record.inPlace)
        #expect(record.folder == src.url.standardizedFileURL.path)
        #expect(try ws.summary(id).splits == ["train": 1, "val": 1, "test": 0])
        try ws.deleteDataset(id)
        #expect(FileManager.default.fileExists(atPath: src.path("train/cat/a.jpg").path))
        _ = _folder
    }

    /// COCO's own layout: PATH is annotations/instances_val2017.json, images sit in val2017/ beside annotations/.
    @Test(arguments: [ImportMode.copy, .register])
    func cocoFileInItsOwnLayout(mode: ImportMode) throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("val2017/000001.jpg", Fixtures.jpeg(width: 64, height: 48))
        let json = src.write("annotations/instances_val2017.json", """
            {"images": [{"id": 1, "file_name": "000001.jpg", "width": 64, "height": 48}],
             "categories": [{"id": 3, "name": "car"}],
             "annotations": [{"id": 0, "image_id": 1, "category_id": 3, "bbox": [4, 4, 20, 10], "iscrowd": 0}]}
            """)
        let id = try ws.createDataset(name: "coco", type: .detection).id
        let result = try ws.importDataset(id, from: json, format: .coco, mode: mode)
        #expect(result.images == 1 && result.annotations == 1 && result.failed == 0)
        let (content, folder) = try ws.content(id)
        #expect(content.samples.first?.split == .val)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(content.samples[0].path).path))
        if mode == .register { #expect(content.samples[0].path == "val2017/000001.jpg") }
        _ = _folder
    }

    @Test func importsFromAnArchiveAndRefusesSlipEntries() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("pets/cat/a.jpg", Fixtures.jpeg())
        src.write("pets/dog/b.jpg", Fixtures.jpeg())
        let archive = src.path("pets.tar.gz")
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        tar.arguments = ["python3", "-c", """
            import tarfile, io, sys
            with tarfile.open(sys.argv[1], "w:gz") as t:
                t.add(sys.argv[2], arcname="pets")
                data = b"evil"
                info = tarfile.TarInfo("../../evil.txt"); info.size = len(data)
                t.addfile(info, io.BytesIO(data))
            """, archive.path, src.path("pets").path]
        try tar.run()
        tar.waitUntilExit()
        #expect(tar.terminationStatus == 0)
        let id = try ws.createDataset(name: "d", type: .classification).id
        let result = try ws.importDataset(id, from: archive, format: .imagenet)
        #expect(result.images == 2)
        #expect(try ws.summary(id).failed.contains { $0.path.contains("evil.txt") })
        #expect(!FileManager.default.fileExists(atPath: ws.root.deletingLastPathComponent().appendingPathComponent("evil.txt").path))
        #expect(throws: AIArtsError.self) { try ws.importDataset(id, from: archive, format: .imagenet, mode: .register) }
        _ = _folder
    }

    @Test func segmentationMasksGiveLabelsAndMustMatchTheirImage() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("labels.txt", "background\nroad\ncar\n")
        src.write("images/a.jpg", Fixtures.jpeg(width: 32, height: 24))
        src.write("annotations/a.png", Fixtures.mask(width: 32, height: 24) { x, _ in x < 10 ? 0 : x < 20 ? 1 : 255 })
        src.write("images/b.jpg", Fixtures.jpeg(width: 32, height: 24))
        src.write("annotations/b.png", Fixtures.mask(width: 16, height: 24) { _, _ in 2 })
        src.write("images/c.jpg", Fixtures.jpeg(width: 32, height: 24))
        src.write("annotations/c.png", Fixtures.mask(width: 32, height: 24) { x, _ in x < 5 ? 2 : 9 })
        let id = try ws.createDataset(name: "s", type: .segmentation).id
        let result = try ws.importDataset(id, from: src.url, format: .seg)
        #expect(result.images == 2)
        let summary = try ws.summary(id)
        #expect(summary.labels.map(\.count) == [1, 1, 1])
        #expect(summary.failed.contains { $0.path == "annotations/b.png" && $0.reason.contains("must match") })
        #expect(summary.failed.contains { $0.reason.contains("mask values 9") })
        _ = _folder
    }

    @Test func wrongFormatForTheTypeSaysWhichFit() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let id = try ws.createDataset(name: "d", type: .classification).id
        do {
            try ws.importDataset(id, from: ws.root, format: .voc)
            Issue.record("expected an error")
        } catch let error as AIArtsError {
            #expect(error.message.contains("imagenet"))
        }
        _ = _folder
    }
}

/// Boxes stay in the frame the annotation tool saw: the declared size tells stored from rotated.
@Suite struct OrientationFrameTests {
    /// A JPEG whose EXIF says "rotate 90° clockwise" (orientation 6).
    static func rotatedJPEG(width: Int, height: Int) -> Data {
        var tiff: [UInt8] = [0x49, 0x49, 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00]
        tiff += [0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00]
        tiff += [0x00, 0x00, 0x00, 0x00]
        let payload: [UInt8] = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        let app1: [UInt8] = [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
        let jpeg = [UInt8](Fixtures.jpeg(width: width, height: height))
        return Data(Array(jpeg[0..<2]) + app1 + Array(jpeg[2...]))
    }

    @Test(arguments: [(80, 40), (40, 80)])
    func frameFollowsTheDeclaredSize(declaredWidth: Int, declaredHeight: Int) throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("JPEGImages/a.jpg", Self.rotatedJPEG(width: 80, height: 40))  // displays as 40×80
        src.write("Annotations/a.xml", Fixtures.voc("a.jpg", width: declaredWidth, height: declaredHeight, objects: [("cat", 5, 5, 35, 70)]))
        let id = try ws.createDataset(name: "d", type: .detection).id
        try ws.importDataset(id, from: src.url, format: .voc)
        let sample = try ws.content(id).0.samples[0]
        #expect(sample.size == ImageSize(width: declaredWidth, height: declaredHeight))
        // In the 80×40 stored frame the box is cut at y = 40; in the rotated 40×80 frame it fits whole.
        let expected = declaredHeight == 80 ? Box(x1: 5, y1: 5, x2: 35, y2: 70) : Box(x1: 5, y1: 5, x2: 35, y2: 40)
        #expect(sample.annotations.first?.box == expected)
        _ = _folder
    }
}
