import Foundation
import Testing
@testable import AIArtsEngine

/// A long PaddleX log read on two cores gives the table, counts and position of one pass.
@Suite struct PaddleXSplitReadMetricsTests {
    private func read(_ url: URL, splitBytes: Int) throws -> MetricSourceReader {
        var reader = MetricSourceReader(path: url.path, kind: .log(.paddleX))
        reader.splitBytes = splitBytes
        try reader.update()
        return reader
    }

    private func expectSame(_ a: MetricSourceReader, _ b: MetricSourceReader, _ context: String) {
        #expect(a.table.names == b.table.names, "\(context)")
        for name in b.table.names {
            let p = a.table[name]!.points, q = b.table[name]!.points
            #expect(p.count == q.count, "\(context) \(name)")
            #expect(zip(p, q).allSatisfy { $0.step == $1.step && $0.epoch == $1.epoch && $0.wallTime == $1.wallTime
                    && ($0.value == $1.value || $0.value.isNaN && $1.value.isNaN) }, "\(context) \(name)")
            #expect(a.table[name]!.discardedByRestart == b.table[name]!.discardedByRestart, "\(context) \(name)")
        }
        #expect(a.table.checkpoints == b.table.checkpoints, "\(context)")
        #expect(a.table.progress.current == b.table.progress.current, "\(context)")
        #expect(a.lines == b.lines && a.skipped == b.skipped && a.skippedLongLines == b.skippedLongLines, "\(context)")
    }

    @Test func twoPartsEqualOnePass() throws {
        let folder = TempFolder()
        for seed in 1...12 {
            var lines: [String] = []
            for part in 0..<8 { lines += PaddleXFastScannerMetricsTests.log(seed: seed * 10 + part) }
            if seed % 3 == 0 { lines.insert(String(repeating: "x", count: 2 << 20), at: lines.count / 3) }  // over the line limit
            let url = folder.write("train-\(seed).log", lines.joined(separator: seed % 2 == 0 ? "\n" : "\r\n") + "\n")
            let size = try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
            #expect(PaddleXSplitRead.cut(path: url.path, size: size) != nil, "seed \(seed)")
            if PaddleXSplitRead.usableCores >= 2 { #expect(try PaddleXSplitRead.read(path: url.path, minimumBytes: 1) != nil, "seed \(seed)") }
            var split = try read(url, splitBytes: 1)
            var single = try read(url, splitBytes: .max)
            expectSame(split, single, "seed \(seed)")
            // Lines appended later are read on from where both stopped.
            let handle = try FileHandle(forWritingTo: url)
            handle.seekToEndOfFile()
            handle.write(Data("2025-01-02 10:00:00 [INFO]\t[TRAIN] Epoch=1/2, Step=1/3, loss=9.5, lr=0.1\n".utf8))
            try handle.close()
            #expect(try split.update() == false && single.update() == false)
            expectSame(split, single, "seed \(seed), appended")
            #expect(split.table["train/loss"]?.points.last?.value == 9.5)
        }
    }

    @Test func cpuListsAreCounted() {
        #expect(PaddleXSplitRead.cpuCount(list: "\t0-3,8,10-11") == 7)
        #expect(PaddleXSplitRead.cpuCount(list: "0") == 1)
        #expect(PaddleXSplitRead.cpuCount(list: "3-1") == nil)
        #expect(PaddleXSplitRead.cpuCount(list: "x") == nil)
        #expect(PaddleXSplitRead.usableCores >= 1)
    }

    @Test func aLogWithoutACutPointIsReadInOnePass() throws {
        let folder = TempFolder()
        // Only lines the parser reads: no train line to start a second part at.
        let url = folder.write("eval.log", String(repeating: "2025-01-01 10:00:00 [INFO]\t[EVAL] Finished, Epoch=1, acc1=0.5 .\n", count: 2000))
        #expect(try PaddleXSplitRead.read(path: url.path, minimumBytes: 1) == nil)
        let reader = try read(url, splitBytes: 1)
        #expect(reader.table["eval/acc1"]?.count == 2000)
        #expect(reader.lines == 2000)
    }
}
