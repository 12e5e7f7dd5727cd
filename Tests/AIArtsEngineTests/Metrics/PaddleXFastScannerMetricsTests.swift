import Foundation
import Testing
@testable import AIArtsEngine

/// The PaddleX fast path builds the table the line parser builds, whatever the lines hold.
@Suite struct PaddleXFastScannerMetricsTests {
    typealias Dice = MetricTableMetricsTests.Dice

    static let keys = ["loss", "acc1", "acc5", "lr", "time_each_step", "eta", "batch_cost", "loss_of_a_long_detector_head", "x1", "Loss"]
    static let values = ["2.302585", "0.125", "-1e-05", "0.31s", "nan", "12345678901234567890", "1234567890123456", "0", "5.", "-0.0",
                         "12:05", "0:02:31", "abc", "", "1.7976931348623157e308", "+3", "0.000000000000001", "7", "1 day"]

    /// A PaddleX-like log: mostly train lines of the usual shape, some of another shape, the
    /// lines that go to the parser, restarts and noise.
    static func log(seed: Int) -> [String] {
        var dice = Dice(state: UInt64(seed) &* 7919)
        var lines: [String] = []
        var epoch = 1, step = 1
        let perEpoch = 1 + dice.below(40), epochs = 1 + dice.below(20)
        var order = keys.shuffled(using: &dice)
        for n in 0..<300 {
            let stamp = String(format: "2025-01-01 10:%02d:%02d", n / 60 % 60, n % 60)
            switch dice.below(30) {
            case 0: lines.append("\(stamp) [INFO]\t[TRAIN] Epoch \(epoch) finished, loss=\(dice.below(100)), acc1=0.\(dice.below(100)) .")
            case 1: lines.append("\(stamp) [INFO]\t[EVAL] Finished, Epoch=\(epoch), acc1=0.\(dice.below(100)), acc5=0.9 .")
            case 2: lines.append("\(stamp) [INFO]\tModel saved in output/epoch_\(epoch).")
            case 3: lines.append("\(stamp) [WARNING]\tsomething [TRAIN] odd, loss=1")
            case 4: lines.append("")
            case 5: epoch = max(1, epoch - dice.below(3)); step = 1  // a restart
            case 6: order = keys.shuffled(using: &dice)
            case 7: lines.append("\(stamp) [INFO]\t[TRAIN] Epoch=99999999999/10, Step=99999999999/99999999999, loss=1")
            default:
                var pairs: [String] = []
                let count = dice.below(8) == 0 ? 30 + dice.below(10) : 1 + dice.below(6)
                for k in 0..<count {
                    let value = dice.below(6) == 0 ? values[dice.below(values.count)] : "0.\(dice.below(1_000_000))"
                    pairs.append("\(order[k % order.count])=\(value)")
                }
                let prefix = dice.below(10) == 0 ? "[\(stamp)] " : "\(stamp) [INFO]\t"
                let separator = dice.below(15) == 0 ? ",  " : ", "
                lines.append("\(prefix)[TRAIN] Epoch=\(epoch)/\(epochs), Step=\(step)/\(perEpoch)\(separator)" + pairs.joined(separator: ", "))
                step += 1
                if step > perEpoch { step = 1; epoch += 1 }
            }
        }
        return lines
    }

    @Test func fastPathEqualsTheLineParserOnVariedLogs() {
        for seed in 1...30 {
            let lines = Self.log(seed: seed)
            var scanner = PaddleXFastScanner()
            var fast = MetricTable()
            for line in lines {
                var bytes = Array(line.utf8)
                bytes.withUnsafeMutableBufferPointer { scanner.scan(UnsafeBufferPointer($0), into: &fast) }
            }
            scanner.flushProgress(into: &fast)
            var parser = PaddleXLogParser()
            var slow = MetricTable()
            for line in lines { slow.append(contentsOf: parser.feed(line)) }
            #expect(fast.names == slow.names, "seed \(seed)")
            for name in slow.names {
                let a = fast[name]!.points, b = slow[name]!.points
                #expect(a.count == b.count, "seed \(seed) \(name)")
                for (p, q) in zip(a, b) {
                    #expect(p.step == q.step && p.epoch == q.epoch && p.wallTime == q.wallTime, "seed \(seed) \(name)")
                    #expect(p.value == q.value && p.value.sign == q.value.sign || p.value.isNaN && q.value.isNaN, "seed \(seed) \(name)")
                }
                #expect(fast[name]!.discardedByRestart == slow[name]!.discardedByRestart, "seed \(seed) \(name)")
            }
            #expect(fast.checkpoints == slow.checkpoints, "seed \(seed)")
            #expect(scanner.skipped == parser.skipped, "seed \(seed)")
            #expect(scanner.lines == lines.count)
        }
    }

    @Test func aLineThatLeavesTheFastPathHalfWayAddsNoEmptySeries() {
        var scanner = PaddleXFastScanner()
        var table = MetricTable()
        var line = Array("2025-01-01 10:00:00 [INFO]\t[TRAIN] Epoch=1/2, Step=1/3, newkey=0.5, bad=1.2.3".utf8)
        line.withUnsafeMutableBufferPointer { scanner.scan(UnsafeBufferPointer($0), into: &table) }
        // The parser takes the line instead: it keeps the number it can read and drops the other.
        #expect(table.names == ["train/newkey"])
        #expect(table["train/newkey"]?.points.first?.step == 1)
    }

    @Test func numbersReadInPlaceEqualTheGeneralReader() {
        // Eight digits at a time where the line has eight bytes left, one by one near its end.
        for text in ["2.302585", "-0.5", "0.31s", "5.", "-0.0", "0", "123456789012345", "0.000000000000001", "9.999999999999999",
                     "1234567890123456", "5s", "-s", "s", ".5", "1e5", "0.1.2", "7:00", "12345678", "1234567.12345678", "0.12345678",
                     "98765432.1234567", "00000000000000.5", "3.14159265358979", "0.1234567", "123456789"] {
            for end in ["", ",", " ", "x", ", lr=0.0123456789", " 12345678"] {
                let bytes = Array((text + end).utf8)
                var i = 0, scale = 1.0
                let quick = bytes.withUnsafeBufferPointer { PaddleXFastScanner.quickNumber($0.baseAddress!, $0.count, &i, scale: &scale) }
                guard let quick else { #expect(i == 0, "\(text + end)"); continue }
                #expect(!end.hasPrefix("x"), "\(text + end) must not end a number")
                #expect(i == text.utf8.count, "\(text + end)")
                let general = Array(text.utf8).withUnsafeBufferPointer { PaddleXFastScanner.number($0) }
                #expect((quick / scale).bitPattern == general?.bitPattern, "\(text + end)")
            }
        }
        for text in ["0:02:31", "12:05", "7", "1:2:3:4", "12.5s", "", "1::2", "1234567890"] {
            let bytes = Array((text + ",").utf8)
            var i = 0
            let quick = bytes.withUnsafeBufferPointer { PaddleXFastScanner.quickDuration($0.baseAddress!, $0.count, &i) }
            if let quick {
                #expect(quick == Array(text.utf8).withUnsafeBufferPointer { PaddleXFastScanner.duration($0) }, "\(text)")
                #expect(i == text.utf8.count)
            }
        }
    }
}
