#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Reads PaddleX train lines straight from bytes into a `MetricTable`, for logs of hundreds of
/// megabytes. The common line
///
///     2025-01-01 10:00:00 [INFO]	[TRAIN] Epoch=1/10, Step=2/50, loss=2.302585, acc1=0.125, lr=0.025, time_each_step=0.31s, eta=0:02:31
///
/// is scanned without making a String; its values go to their columns by a small key cache.
/// Every other line that could matter (epoch summaries, evaluations, checkpoints, and train
/// lines of an unexpected shape) goes to `PaddleXLogParser`, which shares the scanner's
/// epoch and step totals, so the table equals what the parser alone would build.
public struct PaddleXFastScanner: Sendable {
    private var parser = PaddleXLogParser()
    private var clock = LogTimestamp()
    private struct Key: Sendable {
        /// The key's first 16 bytes, zero-padded, for a comparison in two loads.
        var w0: UInt64, w1: UInt64
        var bytes: [UInt8]
        var column: Int
        var special: UInt8  // 0 value, 1 eta, 2 time_each_step
    }
    private var keys: [Key] = []
    private var foundSlots: [Int] = []
    private var foundValues: [Double] = []
    /// Recent train records not yet shown to the progress tracker (only the last few matter).
    private var pending: [MetricRecord] = []
    public private(set) var lines = 0
    public private(set) var records = 0
    /// Lines skipped (the slow parser counts them: out-of-range lines leave the fast path).
    public var skipped: SkipTally { parser.skipped }

    public init() {}

    public mutating func reset() { self = PaddleXFastScanner() }

    /// Reads one line (without its newline) into `table`.
    public mutating func scan(_ line: UnsafeBufferPointer<UInt8>, into table: inout MetricTable) {
        lines += 1
        guard let base = line.baseAddress, line.count > 8 else { return }
        // Find "[TRAIN] Epoch=" by its bracket.
        var i = 0
        var marker = -1
        var interesting = false
        while i < line.count, let hit = memchr(base + i, 0x5B, line.count - i) {
            let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if Self.matches(line, at + 1, Self.train) {
                if Self.matches(line, at + 1 + Self.train.count, Self.epochEquals) { marker = at + 1 + Self.train.count; break }
                interesting = true
            } else if Self.matches(line, at + 1, Self.evalTag) {
                interesting = true
            }
            i = at + 1
        }
        if marker >= 0 {
            if scanTrain(line, from: marker, into: &table) { return }
            interesting = true
        }
        if !interesting {
            interesting = Self.contains(line, Self.modelSaved) || Self.contains(line, Self.currentBest)
        }
        guard interesting else { return }
        flushProgress(into: &table)
        for record in parser.feed(String(decoding: line, as: UTF8.self)) {
            table.append(record)
            records += 1
        }
    }

    /// Shows the last train records to the progress tracker; call before reading the table.
    public mutating func flushProgress(into table: inout MetricTable) {
        for record in pending { table.observe(record) }
        pending.removeAll(keepingCapacity: true)
    }

    /// The fast path; false (having changed nothing) when the line is not of the usual shape.
    private mutating func scanTrain(_ line: UnsafeBufferPointer<UInt8>, from start: Int, into table: inout MetricTable) -> Bool {
        var i = start + Self.epochEquals.count
        guard let epoch = Self.integer(line, &i), Self.expect(line, &i, 0x2F), let epochs = Self.integer(line, &i),
              Self.expect(line, &i, 0x2C), Self.expect(line, &i, 0x20),
              Self.matches(line, i, Self.stepEquals) else { return false }
        i += Self.stepEquals.count
        guard let step = Self.integer(line, &i), Self.expect(line, &i, 0x2F), let perEpoch = Self.integer(line, &i) else { return false }
        // The pairs: ", key=value" until the end of the line.
        foundSlots.removeAll(keepingCapacity: true)
        foundValues.removeAll(keepingCapacity: true)
        var eta: Double?, secondsPerStep: Double?
        while i < line.count {
            guard Self.expect(line, &i, 0x2C) else { return false }
            while i < line.count, line[i] == 0x20 { i += 1 }
            let keyStart = i
            while i < line.count, line[i] != 0x3D {
                let c = line[i]
                guard c == 0x5F || (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || c >= 0x30 && c <= 0x39 && i > keyStart else { return false }
                i += 1
            }
            guard i < line.count, i > keyStart else { return false }
            let key = UnsafeBufferPointer(rebasing: line[keyStart..<i])
            i += 1
            let valueStart = i
            while i < line.count, line[i] != 0x2C, line[i] != 0x20 { i += 1 }
            let value = UnsafeBufferPointer(rebasing: line[valueStart..<i])
            guard !value.isEmpty else { return false }
            let slot = slot(for: key)
            let special = keys[slot].special
            if special == 1 {
                guard let seconds = Self.duration(value) else { return false }
                eta = seconds
            } else {
                guard let v = Self.number(value) else { return false }
                if special == 2 { secondsPerStep = v }
                foundSlots.append(slot); foundValues.append(v)
            }
        }
        // Up to 11 digits each: the product can overflow. The slow parser skips and counts it.
        guard let globalStep = StepMath.global(epoch: epoch, first: 1, perEpoch: perEpoch, step: step),
              let totalSteps = StepMath.product(perEpoch, epochs) else { return false }
        parser.epochs = epochs
        parser.stepsPerEpoch = perEpoch
        guard !foundSlots.isEmpty else { return true }
        let time = clock.parse(line) ?? .nan
        for n in foundSlots.indices {
            table.appendFast(column: column(ofSlot: foundSlots[n], in: &table), value: foundValues[n], step: globalStep, epoch: Double(epoch), time: time)
        }
        records += 1
        pending.append(MetricRecord(kind: .train, step: globalStep, steps: totalSteps, epoch: Double(epoch), epochs: epochs,
                                    wallTime: time.isNaN ? nil : time, secondsPerStep: secondsPerStep, reportedETA: eta))
        if pending.count >= 2 * ProgressTracker.window { pending.removeFirst(ProgressTracker.window) }
        return true
    }

    /// "0:02:31", "12:05", "7": seconds; anything else (days, fractions) through `MetricText.duration`.
    static func duration(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        var total = 0, part = 0, digits = 0, parts = 1
        for c in text {
            if c == 0x3A {
                guard digits > 0, parts < 3 else { return MetricText.duration(String(decoding: text, as: UTF8.self)) }
                total = total * 60 + part; part = 0; digits = 0; parts += 1
            } else if c &- 0x30 < 10, digits < 9 {
                part = part * 10 + Int(c &- 0x30); digits += 1
            } else {
                return MetricText.duration(String(decoding: text, as: UTF8.self))
            }
        }
        guard digits > 0 else { return MetricText.duration(String(decoding: text, as: UTF8.self)) }
        return Double(total * 60 + part)
    }

    /// The key's entry in the cache (its column is made when a value first lands in it).
    @inline(__always)
    private mutating func slot(for key: UnsafeBufferPointer<UInt8>) -> Int {
        var words: (UInt64, UInt64) = (0, 0)
        let short = key.count <= 16
        if short { withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(key)) } }
        for n in keys.indices where keys[n].bytes.count == key.count {
            if short {
                if keys[n].w0 == words.0, keys[n].w1 == words.1 { return n }
            } else if keys[n].bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, key.baseAddress!, key.count) == 0 }) {
                return n
            }
        }
        let name = String(decoding: key, as: UTF8.self)
        let special: UInt8 = name == "eta" ? 1 : name == "time_each_step" ? 2 : 0
        keys.append(Key(w0: words.0, w1: words.1, bytes: Array(key), column: -1, special: special))
        return keys.count - 1
    }

    private mutating func column(ofSlot n: Int, in table: inout MetricTable) -> Int {
        if keys[n].column >= 0 { return keys[n].column }
        let name = String(decoding: keys[n].bytes, as: UTF8.self)
        let column = table.columnIndex(keys[n].special == 2 ? "train/time_each_step" : MetricText.seriesName(name))
        keys[n].column = column
        return column
    }

    // MARK: - Bytes

    private static let train = Array("TRAIN] ".utf8)
    private static let epochEquals = Array("Epoch=".utf8)
    private static let stepEquals = Array("Step=".utf8)
    private static let evalTag = Array("EVAL] ".utf8)
    private static let modelSaved = Array("Model saved in ".utf8)
    private static let currentBest = Array("Current evaluated best model in ".utf8)

    @inline(__always)
    private static func matches(_ line: UnsafeBufferPointer<UInt8>, _ at: Int, _ word: [UInt8]) -> Bool {
        guard at + word.count <= line.count else { return false }
        return word.withUnsafeBufferPointer { memcmp(line.baseAddress! + at, $0.baseAddress!, word.count) == 0 }
    }

    private static func contains(_ line: UnsafeBufferPointer<UInt8>, _ word: [UInt8]) -> Bool {
        guard let base = line.baseAddress, let first = word.first else { return false }
        var i = 0
        while i + word.count <= line.count, let hit = memchr(base + i, Int32(first), line.count - word.count + 1 - i) {
            let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if matches(line, at, word) { return true }
            i = at + 1
        }
        return false
    }

    @inline(__always)
    private static func expect(_ line: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ c: UInt8) -> Bool {
        guard i < line.count, line[i] == c else { return false }
        i += 1
        return true
    }

    @inline(__always)
    private static func integer(_ line: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> Int? {
        var v = 0, n = 0
        while i < line.count, n < 12 {
            let d = line[i] &- 0x30
            guard d < 10 else { break }
            v = v * 10 + Int(d); i += 1; n += 1
        }
        return n > 0 && n < 12 ? v : nil
    }

    private static let powers: [Double] = (0...22).map { Double(sign: .plus, exponent: 0, significand: 1) * pow(10, Double($0)) }

    /// A decimal such as "2.302585", "-1e-05" or "0.31s" (a trailing seconds unit is allowed,
    /// as `LogPairs.number` allows it). Short decimals are converted exactly (Clinger's fast
    /// path: both the digits and the power of ten are exact doubles); anything else goes
    /// through `MetricText.number`.
    static func number(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        var count = text.count
        if count > 1, text[count - 1] == 0x73 { count -= 1 }  // "s"
        var i = 0
        var negative = false
        if i < count, text[i] == 0x2D || text[i] == 0x2B { negative = text[i] == 0x2D; i += 1 }
        var mantissa: UInt64 = 0
        var digits = 0, fraction = 0
        var sawPoint = false
        while i < count {
            let c = text[i]
            let d = c &- 0x30
            if d < 10 {
                if digits < 19 { mantissa = mantissa * 10 + UInt64(d); digits += 1; if sawPoint { fraction += 1 } } else { return slowNumber(text) }
            } else if c == 0x2E, !sawPoint {
                sawPoint = true
            } else {
                break
            }
            i += 1
        }
        var exponent = -fraction
        if i < count, text[i] | 0x20 == 0x65 {  // e / E
            i += 1
            var expNegative = false
            if i < count, text[i] == 0x2D || text[i] == 0x2B { expNegative = text[i] == 0x2D; i += 1 }
            var e = 0, n = 0
            while i < count, text[i] &- 0x30 < 10, n < 4 { e = e * 10 + Int(text[i] &- 0x30); i += 1; n += 1 }
            guard n > 0 else { return nil }
            exponent += expNegative ? -e : e
        }
        guard i == count, digits > 0 else { return slowNumber(text) }
        guard mantissa < (1 << 53), (-22...22).contains(exponent) else { return slowNumber(text) }
        var v = Double(mantissa)
        if exponent < 0 { v /= powers[-exponent] } else { v *= powers[exponent] }
        return negative ? -v : v
    }

    private static func slowNumber(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        LogPairs.number(String(decoding: text, as: UTF8.self))
    }
}
