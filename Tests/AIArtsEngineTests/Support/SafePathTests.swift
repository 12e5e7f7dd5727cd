import Foundation
import Testing
@testable import AIArtsEngine

@Suite struct SafePathTests {
    @Test func normalisesHarmlessForms() throws {
        #expect(try SafePath.normalize("a/b.jpg") == "a/b.jpg")
        #expect(try SafePath.normalize("./a//b.jpg") == "a/b.jpg")
        #expect(try SafePath.normalize("a\\b.jpg") == "a/b.jpg")
        #expect(try SafePath.normalize("my images/cat 1.jpg") == "my images/cat 1.jpg")
    }

    @Test(arguments: ["/etc/passwd", "../x.jpg", "a/../../x.jpg", "C:\\data\\x.jpg", "..", ""])
    func refusesEscapes(_ raw: String) {
        #expect(throws: SafePath.Escape.self) { try SafePath.normalize(raw) }
    }

    @Test func refusesSymlinkLeavingTheRoot() throws {
        let root = TempFolder(), outside = TempFolder()
        outside.write("secret.jpg", "x")
        try FileManager.default.createSymbolicLink(at: root.path("link.jpg"), withDestinationURL: outside.path("secret.jpg"))
        try FileManager.default.createSymbolicLink(at: root.path("dir"), withDestinationURL: outside.url)
        #expect(throws: SafePath.Escape.self) { try SafePath.resolve("link.jpg", under: root.url) }
        #expect(throws: SafePath.Escape.self) { try SafePath.resolve("dir/secret.jpg", under: root.url) }
        root.write("real.jpg", "x")
        try FileManager.default.createSymbolicLink(at: root.path("inside.jpg"), withDestinationURL: root.path("real.jpg"))
        #expect(try SafePath.resolve("inside.jpg", under: root.url).relative == "inside.jpg")
    }
}

@Suite struct TextLinesTests {
    @Test func toleratesBOMCRLFAndTrailingSpaces() {
        let data = Data([0xEF, 0xBB, 0xBF] + Array("a.jpg 0  \r\n\r\nb c.jpg\t1\r\nlast 2".utf8))
        let lines = TextLines.parse(data)
        #expect(lines.map(\.text) == ["a.jpg 0", "b c.jpg\t1", "last 2"])
        #expect(lines.map(\.number) == [1, 3, 4])
    }

    @Test func oldMacLineEnds() {
        #expect(TextLines.parse(Data("x\ry\r".utf8)).map(\.text) == ["x", "y"])
    }
}
