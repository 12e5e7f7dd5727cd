import AIArtsImaging
import Foundation
import Testing
@testable import AIArtsEngine

/// Creates `folder`/`name` from raw bytes (a name that need not be UTF-8), as a shell's `cp` would.
private func writeRaw(_ folder: URL, _ name: [UInt8], _ data: Data) throws {
    let path = Array(folder.path.utf8) + [0x2F] + name + [0]
    let fd = path.withUnsafeBufferPointer { p in
        p.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_EXCL, 0o644) }
    }
    #expect(fd >= 0)
    _ = data.withUnsafeBytes { write(fd, $0.baseAddress, data.count) }
    close(fd)
}

/// Names that are legal on Linux but odd ('\', bytes that are not UTF-8) and symbolic links in an
/// imported folder (issue 11). Before, all three failed or vanished: '\' names and non-UTF-8 names as
/// "No such file or directory", links without a word.
@Suite struct OddNamesTests {
    @Test func backslashNamesImportAndNonUTF8NamesAndLinksAreReported() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let src = TempFolder()
        let jpeg = Fixtures.jpeg()
        src.write("cat/good.jpg", jpeg)
        src.write("cat/a\\b.jpg", jpeg)
        src.write("back\\slash/x.jpg", jpeg)
        try writeRaw(src.path("cat"), Array("bad".utf8) + [0xFF] + Array(".jpg".utf8), jpeg)
        try FileManager.default.createSymbolicLink(atPath: src.path("cat/link.jpg").path, withDestinationPath: "good.jpg")
        let outside = TempFolder()
        outside.write("secret/s.jpg", jpeg)
        try FileManager.default.createSymbolicLink(at: src.path("linked"), withDestinationURL: outside.path("secret"))

        let id = try ws.createDataset(name: "odd", type: .classification).id
        let result = try ws.importDataset(id, from: src.url, format: .imagenet)
        #expect(result.images == 3)
        let summary = try ws.summary(id)
        #expect(summary.labels.map(\.name) == ["back\\slash", "cat"])
        let reasons = Dictionary(uniqueKeysWithValues: summary.failed.map { ($0.path, $0.reason) })
        #expect(reasons["cat/bad\u{FFFD}.jpg"] == DirectoryListing.notUTF8Reason)
        #expect(reasons["cat/link.jpg"]?.hasPrefix("symbolic link, not followed") == true)
        #expect(reasons["linked"]?.hasPrefix("symbolic link, not followed") == true)
        #expect(summary.failed.count == 3)
        let folder = ws.root.appendingPathComponent("datasets/\(id)")
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("cat/a\\b.jpg").path))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("back\\slash/x.jpg").path))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("cat/link.jpg").path))
        _ = _folder
    }

    /// Folder-listing formats (VOC, YOLO) report links too instead of following or dropping them.
    @Test func vocAndYOLOListingsReportLinks() throws {
        let f = try FormatFixture()
        try f.write("JPEGImages/a.jpg", "x")
        try f.write("Annotations/a.xml", vocXML(filename: "a.jpg", objects: [("dog", "1", "1", "5", "5")]))
        try FileManager.default.createSymbolicLink(atPath: f.url("Annotations/b.xml").path, withDestinationPath: "a.xml")
        let voc = try VOCParser().parse(root: f.root, type: .detection)
        #expect(voc.samples.count == 1)
        #expect(voc.issues == [ImportIssue(path: "Annotations/b.xml", reason: DirectoryListing.symlinkReason)])

        let y = try FormatFixture()
        try y.write("classes.txt", "a\n")
        try y.write("images/in.png", pngHeader(width: 10, height: 10))
        try FileManager.default.createSymbolicLink(atPath: y.url("images/twin.png").path, withDestinationPath: "in.png")
        let yolo = try YOLOParser().parse(root: y.root, type: .detection)
        #expect(yolo.samples.map(\.relativePath) == ["images/in.png"])
        #expect(yolo.issues.contains(ImportIssue(path: "images/twin.png", reason: DirectoryListing.symlinkReason)))
    }

    /// A path written in an annotation with a '\' finds a file whose name holds one; otherwise it is
    /// still read as a Windows separator.
    @Test func backslashInAWrittenPathPrefersTheLiteralFile() throws {
        let f = try FormatFixture()
        try f.write("a\\b.jpg", "x")
        try f.write("c/d.jpg", "x")
        #expect(try SafePath.resolve("a\\b.jpg", under: f.root).relative == "a\\b.jpg")
        #expect(try SafePath.resolve("c\\d.jpg", under: f.root).relative == "c/d.jpg")
    }
}
