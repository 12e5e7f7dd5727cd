import Foundation
import Testing
@testable import AIArtsEngine

/// The workspace's data area (Uploads/DataUploads.swift): entries appear whole, ids are never
/// reused, zips become datasets all or nothing, and paths inside an entry stay inside it.
@Suite struct DataUploadsTests {
    static func file(_ folder: URL, _ name: String, _ text: String) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func aSingleFileIsKeptWithItsEntryAndIdsAreNotReused() throws {
        let (workspace, folder) = try Fixtures.workspace()
        try workspace.addUser("ann", role: .trainer)
        let first = try workspace.addDataFile(try Self.file(folder.url, "up1", "print(1)\n"), name: "../../train.py", owner: "ann")
        #expect(first.id == 1)
        #expect(first.fileName == "train.py")
        #expect(first.fileClass == .code)
        #expect(first.size == 9)
        guard case .file(let url) = try workspace.dataContent(1) else { Issue.record("not a file"); return }
        #expect(url.path.hasPrefix(workspace.dataFolder.path))
        #expect(try String(contentsOf: url, encoding: .utf8) == "print(1)\n")
        try workspace.deleteDataEntry(1)
        #expect(throws: AIArtsError.self) { try workspace.dataEntry(1) }
        let second = try workspace.addDataFile(try Self.file(folder.url, "up2", "a,b\n1,\"x,y\"\n"), name: "t.csv", owner: "bob")
        #expect(second.id == 2)
        #expect(try workspace.dataEntries(owner: "ann").isEmpty)
        #expect(try workspace.dataEntries(owner: "bob").map(\.id) == [2])
        guard case .rows(let rows) = try workspace.dataContent(2) else { Issue.record("not rows"); return }
        #expect(rows == [["a": "1", "b": "x,y"]])
        #expect(try workspace.userNumber("ann") >= 1)
    }

    @Test func badNamesAndEscapingPathsAreRefused() throws {
        let (workspace, folder) = try Fixtures.workspace()
        for name in ["", ".hidden", "..", "entry.json", "a\u{1}b"] {
            #expect(throws: AIArtsError.self) { try workspace.addDataFile(try Self.file(folder.url, "x", "1"), name: name, owner: "ann") }
        }
        _ = try workspace.addDataFile(try Self.file(folder.url, "x", "1"), name: "a.txt", owner: "ann")
        for path in ["../../aiarts.sqlite", "/etc/passwd", "entry.json"] {
            #expect(throws: AIArtsError.self) { try workspace.dataContent(1, relativePath: path) }
        }
        // Nothing half-made is left in the staging folder.
        let staging = (try? FileManager.default.contentsOfDirectory(atPath: workspace.dataFolder.appendingPathComponent(".staging").path)) ?? []
        #expect(staging.isEmpty)
    }

    @Test func aZipBecomesADatasetAndABadOneLeavesNothing() throws {
        let (workspace, folder) = try Fixtures.workspace()
        let png = [UInt8](Fixtures.png(width: 8, height: 8))
        let zip = Fixture.zip([.init(name: "cat/a.png", data: png), .init(name: "dog/b.png", data: png)])
        let archive = folder.url.appendingPathComponent("pets.zip")
        try Data(zip).write(to: archive)
        let entry = try workspace.importDataArchive(archive, name: "pets.zip", owner: "ann")
        let datasetID = try #require(entry.datasetId)
        #expect(try workspace.dataset(datasetID).status == "copied")
        guard case .tree(let tree) = try workspace.dataContent(entry.id) else { Issue.record("not a tree"); return }
        guard case .folder(let top) = tree else { Issue.record("not a folder"); return }
        #expect(top["cat"] == .folder(["a.png": .file("a.png")]))
        guard case .file = try workspace.dataContent(entry.id, relativePath: "dog/b.png") else { Issue.record("not a file"); return }

        let before = try workspace.datasets().count
        let broken = folder.url.appendingPathComponent("broken.zip")
        try Data([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]).write(to: broken)
        #expect(throws: AIArtsError.self) { try workspace.importDataArchive(broken, name: "broken.zip", owner: "ann") }
        #expect(try workspace.datasets().count == before)
        #expect(try workspace.dataEntries().count == 1)

        try workspace.deleteDataEntry(entry.id)
        #expect(throws: AIArtsError.self) { try workspace.dataset(datasetID) }
    }
}
