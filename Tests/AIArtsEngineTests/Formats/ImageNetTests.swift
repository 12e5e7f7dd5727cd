import Foundation
import Testing
@testable import AIArtsEngine

@Suite struct ImageNetTests {
    @Test func classFoldersAndSplitFolders() throws {
        let root = TempFolder()
        for path in ["train/cat/1.jpg", "train/dog/2.png", "val/cat/3.jpg", "test/dog/4.jpeg", "train/cat/notes.bmp", "train/stray.jpg"] {
            root.write(path, "x")
        }
        let parsed = try ImageNetParser().parse(root: root.url, type: .classification)
        #expect(parsed.labels == ["cat", "dog"])
        #expect(parsed.samples.map(\.relativePath) == ["test/dog/4.jpeg", "train/cat/1.jpg", "train/dog/2.png", "val/cat/3.jpg"])
        #expect(parsed.samples.map(\.split) == [.test, .train, .train, .val])
        #expect(parsed.issues.map(\.path).sorted() == ["train/cat/notes.bmp", "train/stray.jpg"])
    }

    @Test func flatClassFoldersHaveNoSplit() throws {
        let root = TempFolder()
        root.write("犬/1.jpg", "x")
        root.write("猫/2.jpg", "x")
        let parsed = try ImageNetParser().parse(root: root.url, type: .classification)
        #expect(parsed.labels == ["犬", "猫"].sorted())
        #expect(parsed.samples.allSatisfy { $0.split == nil })
    }
}
