import Foundation
import Testing
import TestSupport
@testable import AIArtsEngine

@Suite struct IncrementalReaderMetricsTests {

    @Test func missingFileIsNotAnError() throws {
        let folder = TempFolder()
        var reader = IncrementalReader(path: folder.path("metrics.jsonl").path)
        let chunk = try reader.read()
        #expect(!chunk.exists && chunk.lines.isEmpty)
    }

    @Test func partialLastLineWaitsForItsEnd() throws {
        let folder = TempFolder()
        let url = folder.write("m.jsonl", "a\r\nbb\ncc")
        var reader = IncrementalReader(path: url.path)
        var chunk = try reader.read()
        #expect(chunk.strings == ["a", "bb"])
        #expect(chunk.lineOffsets == [0, 3])
        #expect(reader.position.offset == 6)
        try append(url, "c\nd")
        chunk = try reader.read()
        #expect(chunk.strings == ["ccc"] && !chunk.reset)
        chunk = try reader.read()
        #expect(chunk.lines.isEmpty)
    }

    @Test func positionPersistsAcrossReopening() throws {
        let folder = TempFolder()
        let url = folder.write("m.jsonl", "one\ntwo\n")
        var first = IncrementalReader(path: url.path)
        _ = try first.read()
        let saved = try JSONEncoder().encode(first.position)
        try append(url, "three\n")
        var reopened = IncrementalReader(path: url.path, position: try JSONDecoder().decode(TailPosition.self, from: saved))
        #expect(try reopened.read().strings == ["three"])
    }

    @Test func truncationRestartsFromZero() throws {
        let folder = TempFolder()
        let url = folder.write("train.log", "line 1\nline 2\nline 3\n")
        var reader = IncrementalReader(path: url.path)
        _ = try reader.read()
        folder.write("train.log", "new\n")
        let chunk = try reader.read()
        #expect(chunk.reset && chunk.strings == ["new"])
    }

    @Test func lightningRewriteWithNewHeaderIsNoticed() throws {
        let folder = TempFolder()
        let url = folder.write("metrics.csv", "epoch,step,train_loss\n0,49,0.9\n0,99,0.8\n")
        var reader = IncrementalReader(path: url.path)
        #expect(try reader.read().lines.count == 3)
        // A new key: the whole file is rewritten, longer, and the old header is a prefix of the new one.
        folder.write("metrics.csv", "epoch,step,train_loss,val_acc\n0,49,0.9,\n0,99,0.8,\n0,99,,0.7\n")
        let chunk = try reader.read()
        #expect(chunk.reset)
        #expect(chunk.strings.first == "epoch,step,train_loss,val_acc" && chunk.lines.count == 4)
    }

    @Test func rewriteKeepingHeaderButChangingBodyIsNoticed() throws {
        let folder = TempFolder()
        let url = folder.write("log.txt", "header\nrow one\n")
        var reader = IncrementalReader(path: url.path)
        _ = try reader.read()
        folder.write("log.txt", "header\nROW ONE\nrow two\n")
        #expect(try reader.read().reset)
    }

    @Test func overlongLinesAreSkippedAndCounted() throws {
        let folder = TempFolder()
        let url = folder.write("log.txt", "ok\n" + String(repeating: "x", count: 100) + "\nfine\n" + String(repeating: "y", count: 50))
        var reader = IncrementalReader(path: url.path, maxLineBytes: 16)
        // Small windows: the long line is dropped across several reads.
        var lines: [String] = [], skipped = 0
        for _ in 0..<20 {
            let chunk = try reader.read(maxBytes: 8)
            lines += chunk.strings; skipped += chunk.skippedLongLines
        }
        #expect(lines == ["ok", "fine"])
        #expect(skipped == 2)
        #expect(reader.position.skippingLongLine)
        try append(url, "yyy\nafter\n")
        let chunk = try reader.read()
        #expect(chunk.strings == ["after"] && chunk.skippedLongLines == 0)
    }

    @Test func largeFileComesInBoundedChunks() throws {
        let folder = TempFolder()
        let text = (0..<1000).map { "line \($0)" }.joined(separator: "\n") + "\n"
        let url = folder.write("big.log", text)
        var reader = IncrementalReader(path: url.path, maxLineBytes: 64)
        var all: [String] = []
        var calls = 0
        repeat {
            let chunk = try reader.read(maxBytes: 1000)
            all += chunk.strings
            calls += 1
            if !chunk.hasMore { break }
        } while calls < 100
        #expect(all.count == 1000 && all.last == "line 999" && calls > 5)
    }

    @Test func directoryIsATypedError() {
        let folder = TempFolder()
        var reader = IncrementalReader(path: folder.url.path)
        #expect(throws: MetricsError.self) { try reader.read() }
    }
}
