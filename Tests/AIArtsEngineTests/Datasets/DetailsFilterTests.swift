import Foundation
import Testing
@testable import AIArtsEngine

/// `details(_:filter:)`: `dataset details --label/--split`, in text and JSON alike (issue 13).
@Suite struct DetailsFilterTests {
    /// cat: 4 images (2 wide), dog: 2, split 0.5 / 0 with a fixed seed.
    static func dataset() throws -> (Workspace, TempFolder, String) {
        let (ws, folder) = try Fixtures.workspace()
        let src = TempFolder()
        for i in 0..<4 { src.write("cat/\(i).jpg", Fixtures.jpeg(width: i < 2 ? 40 : 20, height: 10)) }
        for i in 0..<2 { src.write("dog/\(i).jpg", Fixtures.jpeg(width: 30, height: 30)) }
        let id = try ws.createDataset(name: "pets", type: .classification).id
        try ws.importDataset(id, from: src.url, format: .imagenet)
        try ws.split(id, val: 0.5, test: 0, seed: 1)
        return (ws, folder, id)
    }

    @Test func theFilterNarrowsFilesListsAndSizes() throws {
        let (ws, _folder, id) = try Self.dataset()
        let all = try ws.details(id)
        #expect(all.files.count == 6 && all.filter == .all)
        let cats = try ws.details(id, filter: DetailsFilter(label: "cat"))
        #expect(cats.files.map(\.path) == ["cat/0.jpg", "cat/1.jpg", "cat/2.jpg", "cat/3.jpg"])
        #expect(Array(cats.labelFiles.keys) == ["cat"])
        #expect(cats.imageSizes?.minWidth == 20 && cats.imageSizes?.maxWidth == 40 && cats.imageSizes?.maxHeight == 10)
        #expect(cats.summary.images == 6)  // the summary stays the whole dataset's

        let val = try ws.details(id, filter: DetailsFilter(split: .val))
        #expect(val.files.count == 3 && val.files.allSatisfy { $0.split == .val })
        #expect(Array(val.splitLists.keys) == ["val"] && val.splitLists["val"] == val.files.map(\.path))

        let valDogs = try ws.details(id, filter: DetailsFilter(label: "dog", split: .val))
        #expect(valDogs.files.allSatisfy { $0.split == .val && $0.labels == ["dog"] })
        #expect(valDogs.files.count == all.files.filter { $0.split == .val && $0.labels == ["dog"] }.count)
        _ = _folder
    }

    @Test func anUnknownLabelIsRefusedNamingTheLabels() throws {
        let (ws, _folder, id) = try Self.dataset()
        let error = #expect(throws: AIArtsError.self) { try ws.details(id, filter: DetailsFilter(label: "cow")) }
        #expect(error?.message == "\(id) has no label \"cow\"; its labels are cat, dog")
        _ = _folder
    }

    @Test func theJSONSaysWhatItWasNarrowedTo() throws {
        let (ws, _folder, id) = try Self.dataset()
        let data = try JSONEncoder().encode(ws.details(id, filter: DetailsFilter(split: .train)))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let filter = try #require(object["filter"] as? [String: Any])
        #expect(filter["split"] as? String == "train" && filter["label"] is NSNull)
        #expect((object["files"] as? [Any])?.count == 3)
        _ = _folder
    }

    @Test func splitsParseAsPeopleTypeThem() throws {
        #expect(try Split(parsing: "VAL") == .val)
        let error = #expect(throws: AIArtsError.self) { try Split(parsing: "valid") }
        #expect(error?.message == "the split is train, val or test, not valid")
    }
}
