import Foundation
import Testing
@testable import AIArtsEngine

@Suite struct PaddleXClassificationTests {
    @Test func readsListsWithCRLFBOMSpacesAndTrailingBlanks() throws {
        let root = TempFolder()
        root.write("labels.txt", "\u{FEFF}cat\r\ndog \r\n")
        root.write("images/a.jpg", "x")
        root.write("my images/b 1.jpg", "x")
        root.write("train_list.txt", "\u{FEFF}images/a.jpg 0\r\nmy images/b 1.jpg 1   \r\n\r\n")
        let parsed = try PaddleXClassificationParser().parse(root: root.url, type: .classification)
        #expect(parsed.labels == ["cat", "dog"])
        #expect(parsed.issues.isEmpty)
        #expect(parsed.samples.map(\.relativePath) == ["images/a.jpg", "my images/b 1.jpg"])
        #expect(parsed.samples.map { $0.annotations.first?.label } == ["cat", "dog"])
        #expect(parsed.samples.allSatisfy { $0.split == .train })
    }

    @Test func badLinesNameFileLineAndFix() throws {
        let root = TempFolder()
        root.write("labels.txt", "cat\ndog\n")
        root.write("a.jpg", "x")
        root.write("val_list.txt", "a.jpg\na.jpg cat\na.jpg 7\nmissing.jpg 0\n../../etc/passwd 0\n")
        let parsed = try PaddleXClassificationParser().parse(root: root.url, type: .classification)
        #expect(parsed.samples.isEmpty)
        #expect(parsed.issues.map(\.line) == [1, 2, 3, 4, 5])
        #expect(parsed.issues.allSatisfy { $0.path == "val_list.txt" })
        #expect(parsed.issues[0].reason.contains("one column"))
        #expect(parsed.issues[1].reason.contains("not a label index"))
        #expect(parsed.issues[2].reason.contains("out of range"))
        #expect(parsed.issues[3].reason.contains("does not exist"))
        #expect(parsed.issues[4].reason.contains("escapes"))
    }

    @Test func missingLabelsFileIsAClearError() {
        let root = TempFolder()
        root.write("train_list.txt", "a.jpg 0\n")
        #expect(throws: AIArtsError.self) { try PaddleXClassificationParser().parse(root: root.url, type: .classification) }
    }
}
