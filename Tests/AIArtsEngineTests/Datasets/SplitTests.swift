import Foundation
import Testing
@testable import AIArtsEngine

@Suite struct SplitTests {
    /// 3 classes of 40, 20 and 10 images.
    static func dataset() throws -> (Workspace, TempFolder, String) {
        let (ws, folder) = try Fixtures.workspace()
        let src = TempFolder()
        let image = Fixtures.jpeg(width: 16, height: 16)
        for (label, count) in [("common", 40), ("middle", 20), ("rare", 10)] {
            for i in 0..<count { src.write("\(label)/\(i).jpg", image) }
        }
        let id = try ws.createDataset(name: "s", type: .classification).id
        try ws.importDataset(id, from: src.url, format: .imagenet)
        return (ws, folder, id)
    }

    static func assignment(_ ws: Workspace, _ id: String) throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try ws.details(id).files.map { ($0.path, $0.split?.rawValue ?? "-") })
    }

    @Test func sameSeedSameSplitOtherSeedOtherSplit() throws {
        let (ws, _folder, id) = try Self.dataset()
        try ws.split(id, val: 0.2, test: 0.1, seed: 42)
        let first = try Self.assignment(ws, id)
        try ws.split(id, val: 0.2, test: 0.1, seed: 7)
        let other = try Self.assignment(ws, id)
        try ws.split(id, val: 0.2, test: 0.1, seed: 42)
        #expect(try Self.assignment(ws, id) == first)
        #expect(other != first)
        _ = _folder
    }

    @Test func stratifiedByLabelWithExactTotals() throws {
        let (ws, _folder, id) = try Self.dataset()
        let counts = try ws.split(id, val: 0.2, test: 0.1, seed: 3)
        #expect(counts == ["train": 49, "val": 14, "test": 7])
        let details = try ws.details(id)
        for (label, total) in [("common", 40), ("middle", 20), ("rare", 10)] {
            let files = details.files.filter { $0.labels == [label] }
            #expect(files.count == total)
            let val = files.filter { $0.split == .val }.count
            let test = files.filter { $0.split == .test }.count
            // Each class gets its share, within one image of rounding.
            #expect(abs(Double(val) - Double(total) * 0.2) <= 1)
            #expect(abs(Double(test) - Double(total) * 0.1) <= 1)
        }
        #expect(try ws.dataset(id).splitSource == "random")
        _ = _folder
    }

    @Test func importedSplitIsKeptUntilResplit() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        src.write("train/a/1.jpg", Fixtures.jpeg())
        src.write("val/a/2.jpg", Fixtures.jpeg())
        let id = try ws.createDataset(name: "s", type: .classification).id
        try ws.importDataset(id, from: src.url, format: .imagenet)
        #expect(try ws.dataset(id).splitSource == "imported")
        #expect(try ws.summary(id).splits == ["train": 1, "val": 1, "test": 0])
        _ = _folder
    }

    @Test(arguments: [(-0.1, 0.1), (0.6, 0.4), (Double.nan, 0.0)] as [(Double, Double)])
    func refusesRatiosThatLeaveNoTraining(val: Double, test: Double) throws {
        let (ws, _folder, id) = try Self.dataset()
        #expect(throws: AIArtsError.self) { try ws.split(id, val: val, test: test, seed: 1) }
        _ = _folder
    }
}
