import Foundation
import Testing
@testable import AIArtsEngine

/// A folder plainly in another format is refused with a hint (issue 11). Before, a COCO export
/// imported with --format imagenet gave a dataset whose classes were 'annotations' and 'images'.
@Suite struct FormatHintTests {
    @Test func cocoExportImportedAsImageNetIsRefusedWithAHint() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("images/a.jpg", Fixtures.jpeg())
        src.write("annotations/instances_train.json", #"{"images": [{"id": 1, "file_name": "a.jpg", "width": 64, "height": 48}], "annotations": [], "categories": [{"id": 1, "name": "cat"}]}"#)
        let id = try ws.createDataset(name: "c", type: .classification).id
        do {
            _ = try ws.importDataset(id, from: src.url, format: .imagenet)
            Issue.record("expected a refusal")
        } catch let error as AIArtsError {
            #expect(error.message.contains("this looks like COCO: --format coco"))
        }
        #expect(try ws.summary(id).labels.isEmpty)
        _ = _folder
    }

    @Test func signaturesOfEachFormat() throws {
        let coco = TempFolder()
        coco.write("train.json", #"{"info": {}, "images": [], "annotations": []}"#)
        #expect(FormatSignature.mismatch(chosen: .voc, root: coco.url)?.contains("--format coco") == true)
        #expect(FormatSignature.mismatch(chosen: .coco, root: coco.url) == nil)

        let voc = TempFolder()
        voc.write("Annotations/a.xml", "<annotation/>")
        voc.write("JPEGImages/a.jpg", "x")
        #expect(FormatSignature.mismatch(chosen: .yolo, root: voc.url)?.contains("this looks like Pascal VOC: --format voc") == true)
        #expect(FormatSignature.mismatch(chosen: .voc, root: voc.url) == nil)
        // Segmentation and PaddleX folders share VOC's layout: no guess is made for them.
        #expect(FormatSignature.mismatch(chosen: .seg, root: voc.url) == nil)

        let yolo = TempFolder()
        yolo.write("labels/train/a.txt", "0 0.5 0.5 0.1 0.1\n")
        yolo.write("images/train/a.jpg", "x")
        #expect(FormatSignature.mismatch(chosen: .imagenet, root: yolo.url)?.contains("--format yolo") == true)
        #expect(FormatSignature.mismatch(chosen: .yolo, root: yolo.url) == nil)

        let labelme = TempFolder()
        labelme.write("a.json", #"{"version": "5.0.1", "shapes": [], "imagePath": "a.jpg"}"#)
        #expect(FormatSignature.mismatch(chosen: .coco, root: labelme.url)?.contains("--format labelme") == true)

        // Plain class folders carry no other format's marks: ImageNet goes ahead.
        let classes = TempFolder()
        classes.write("cat/a.jpg", "x")
        classes.write("dog/b.jpg", "x")
        #expect(FormatSignature.mismatch(chosen: .imagenet, root: classes.url) == nil)
    }
}
