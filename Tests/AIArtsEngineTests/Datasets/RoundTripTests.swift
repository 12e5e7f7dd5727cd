import AIArtsImaging
import Foundation
import Testing
@testable import AIArtsEngine

/// import → export → import gives the same records, for every format of every type.
@Suite struct RoundTripTests {
    /// What must survive a round trip: per image (by file name) its split and its labelled boxes.
    struct Record: Hashable, CustomStringConvertible {
        var file: String
        var split: String
        var objects: [String]
        var description: String { "\(file) \(split) \(objects)" }
    }

    static func records(_ ws: Workspace, _ id: String) throws -> Set<Record> {
        let (content, _) = try ws.content(id)
        return Set(content.samples.map { sample in
            Record(file: (sample.path as NSString).lastPathComponent, split: sample.split?.rawValue ?? "-",
                   objects: sample.annotations.map { a in
                       let box = a.box.map { b in [b.x, b.y, b.width, b.height].map { String(format: "%.2f", $0) }.joined(separator: ",") } ?? ""
                       return content.labels[a.labelIndex] + ":" + box + (a.isCrowd ? ":crowd" : "")
                   }.sorted())
        })
    }

    /// A source folder for each type, imported through a format that is not under test.
    static func source(_ type: DatasetType, in ws: Workspace) throws -> (String, TempFolder) {
        let src = TempFolder()
        let id = try ws.createDataset(name: "source", type: type).id
        switch type {
        case .classification:
            for (i, label) in ["cat", "dog", "bird", "cat", "dog", "bird"].enumerated() {
                src.write("\(label)/img\(i).jpg", Fixtures.jpeg(width: 40 + i, height: 30))
            }
            try ws.importDataset(id, from: src.url, format: .imagenet)
        case .detection, .instanceSegmentation:
            for i in 0..<6 {
                src.write("JPEGImages/img\(i).jpg", Fixtures.jpeg(width: 120, height: 90))
                src.write("Annotations/img\(i).xml", Fixtures.voc("img\(i).jpg", width: 120, height: 90, objects: [
                    (i % 2 == 0 ? "cat" : "dog", 10 + Double(i), 12.5, 60, 70.25), ("bird", 70, 5, 118, 40),
                ]))
            }
            try ws.importDataset(id, from: src.url, format: .voc)
        case .segmentation:
            src.write("labels.txt", "background\nroad\ncar\n")
            for i in 0..<6 {
                src.write("images/img\(i).jpg", Fixtures.jpeg(width: 32, height: 24))
                src.write("annotations/img\(i).png", Fixtures.mask(width: 32, height: 24) { x, _ in UInt8(x < 8 ? 0 : x < 8 + i ? 2 : 1) })
            }
            try ws.importDataset(id, from: src.url, format: .seg)
        }
        try ws.split(id, val: 0.34, test: 0.17, seed: 5)
        return (id, src)
    }

    @Test(arguments: [
        (DatasetType.classification, DatasetFormat.imagenet), (.classification, .paddlex),
        (.detection, .voc), (.detection, .coco), (.detection, .yolo), (.detection, .labelme), (.detection, .paddlex),
        (.segmentation, .seg), (.segmentation, .paddlex),
    ])
    func roundTrip(type: DatasetType, format: DatasetFormat) throws {
        let (ws, _folder) = try Fixtures.workspace()
        let (source, _src) = try Self.source(type, in: ws)
        let out = TempFolder()
        let destination = out.path("export")
        try ws.exportDataset(source, format: format, to: destination)
        let copy = try ws.createDataset(name: "copy", type: type).id
        let result = try ws.importDataset(copy, from: destination, format: format)
        let failed = try ws.summary(copy).failed
        #expect(result.failed == 0, "\(failed)")
        var before = try Self.records(ws, source), after = try Self.records(ws, copy)
        if format == .labelme {
            // labelme files have no notion of a split: compare the rest.
            before = Set(before.map { Record(file: $0.file, split: "-", objects: $0.objects) })
            after = Set(after.map { Record(file: $0.file, split: "-", objects: $0.objects) })
        }
        #expect(before == after, "lost: \(before.subtracting(after)) gained: \(after.subtracting(before))")
        #expect(try ws.summary(copy).labels.map(\.name).sorted() == ws.summary(source).labels.map(\.name).sorted())
        _ = (_folder, _src)
    }

    @Test func exportRefusesAFormatThatCannotCarryTheType() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let (source, _src) = try Self.source(.classification, in: ws)
        let out = TempFolder()
        #expect(throws: AIArtsError.self) { try ws.exportDataset(source, format: .voc, to: out.path("x")) }
        out.write("busy/file.txt", "x")
        #expect(throws: AIArtsError.self) { try ws.exportDataset(source, format: .imagenet, to: out.path("busy")) }
        _ = (_folder, _src)
    }
}
