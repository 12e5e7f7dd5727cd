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
        /// The key's first 16 bytes as two little-endian words, zero beyond its end.
        var w0: UInt64, w1: UInt64
        var length: Int
        var column: Int
        var special: UInt8  // 0 value, 1 eta, 2 time_each_step
    }
    private var keys: [Key] = []
    /// Each key's bytes, by the same index.
    private var keyBytes: [[UInt8]] = []
    /// What a train line tells the progress tracker, kept for the last lines only.
    private struct TrainProgress: Sendable {
        var step: Int, steps: Int, epoch: Int, epochs: Int
        var time: Double, secondsPerStep: Double?, eta: Double?
    }
    private var pending: [TrainProgress] = []
    public private(set) var lines = 0
    public private(set) var records = 0
    /// Lines skipped (the slow parser counts them: out-of-range lines leave the fast path).
    public var skipped: SkipTally { parser.skipped }
    /// At most this many values a train line takes the fast path with; longer lines go to the parser.
    static let maxValues = 32

    public init() {}

    public mutating func reset() { self = PaddleXFastScanner() }

    /// Reads one line (without its newline) into `table`.
    public mutating func scan(_ line: UnsafeBufferPointer<UInt8>, into table: inout MetricTable) {
        lines += 1
        guard let p = line.baseAddress, line.count > 8 else { return }
        let n = line.count
        // PaddleX's own logger puts the tag at a fixed place; anything else is searched for.
        if Self.has(p, n, 20, "[INFO]\t[TRAIN] Epoch="), scanTrain(p, n, from: 41, into: &table) { return }
        var interesting = false
        if let marker = Self.trainMarker(p, n, interesting: &interesting) {
            if scanTrain(p, n, from: marker, into: &table) { return }
            interesting = true
        }
        if !interesting {
            interesting = Self.contains(p, n, "Model saved in ") || Self.contains(p, n, "Current evaluated best model in ")
        }
        guard interesting else { return }
        flushProgress(into: &table)
        for record in parser.feed(String(decoding: line, as: UTF8.self)) {
            table.append(record)
            records += 1
        }
    }

    /// True when `line` is a train line of the usual shape, read (into a scratch table) by the
    /// fast path alone: where a second reader can start, since such a line sets every total
    /// the lines after it depend on.
    static func startsIndependently(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let p = line.baseAddress, line.count > 8 else { return false }
        var probe = PaddleXFastScanner(), scratch = MetricTable(), ignored = false
        guard let marker = trainMarker(p, line.count, interesting: &ignored) else { return false }
        return probe.scanTrain(p, line.count, from: marker, into: &scratch)
    }

    /// Continues this scanner with `other`, which read the lines after this one's into
    /// `MetricTable.append(continuation:)`'s other table: their counts add up, and the
    /// totals are the last ones `other` saw. Keys keep this scanner's columns.
    mutating func adopt(continuation other: PaddleXFastScanner) {
        lines += other.lines
        records += other.records
        parser.skipped.merge(other.parser.skipped)
        parser.epochs = other.parser.epochs
        parser.stepsPerEpoch = other.parser.stepsPerEpoch
        pending = other.pending
    }

    /// Where a line's "[TRAIN] Epoch=" ends, found by its bracket; `interesting` is set when
    /// the line has another tag the parser reads ("[TRAIN] " or "[EVAL] ").
    private static func trainMarker(_ p: UnsafePointer<UInt8>, _ n: Int, interesting: inout Bool) -> Int? {
        var i = 0
        while i < n, let hit = memchr(p + i, 0x5B, n - i) {
            let at = p.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if has(p, n, at + 1, "TRAIN] ") {
                if has(p, n, at + 8, "Epoch=") { return at + 14 }
                interesting = true
            } else if has(p, n, at + 1, "EVAL] ") {
                interesting = true
            }
            i = at + 1
        }
        return nil
    }

    /// Shows the last train records to the progress tracker; call before reading the table.
    public mutating func flushProgress(into table: inout MetricTable) {
        for t in pending {
            table.observe(MetricRecord(kind: .train, step: t.step, steps: t.steps, epoch: Double(t.epoch), epochs: t.epochs,
                                       wallTime: t.time.isNaN ? nil : t.time, secondsPerStep: t.secondsPerStep, reportedETA: t.eta))
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// The fast path from just after "Epoch="; false (having changed nothing) when the line is
    /// not of the usual shape.
    private mutating func scanTrain(_ p: UnsafePointer<UInt8>, _ n: Int, from start: Int, into table: inout MetricTable) -> Bool {
        var i = start
        guard let epoch = Self.integer(p, n, &i), Self.expect(p, n, &i, 0x2F), let epochs = Self.integer(p, n, &i),
              Self.expect(p, n, &i, 0x2C), Self.expect(p, n, &i, 0x20), Self.has(p, n, i, "Step=") else { return false }
        i += 5
        guard let step = Self.integer(p, n, &i), Self.expect(p, n, &i, 0x2F), let perEpoch = Self.integer(p, n, &i) else { return false }
        // Up to 11 digits each: the product can overflow. The slow parser skips and counts it.
        guard let globalStep = StepMath.global(epoch: epoch, first: 1, perEpoch: perEpoch, step: step),
              let totalSteps = StepMath.product(perEpoch, epochs) else { return false }
        // The pairs, ", key=value" until the end of the line, staged so that a line of another
        // shape changes nothing.
        // Values are staged as whole numbers and powers of ten, divided after the loop: the
        // divisions are independent there and overlap.
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * Self.maxValues) { staged in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: Self.maxValues) { columns in
                let values = staged.baseAddress!, scales = staged.baseAddress! + Self.maxValues
                var found = 0
                var eta: Double?, secondsPerStepAt = -1
                var expected = 0
                while i < n {
                    guard p[i] == 0x2C else { return false }
                    i += 1
                    while i < n, p[i] == 0x20 { i += 1 }
                    let keyStart = i
                    var slot = -1
                    // The key expected here, compared in two words (it was checked when first seen).
                    if expected < keys.count {
                        let key = keys[expected]
                        if key.length <= 16, keyStart + key.length < n, p[keyStart + key.length] == 0x3D {
                            let (w0, w1) = Self.words(p + keyStart, key.length, available: n - keyStart)
                            if w0 == key.w0, w1 == key.w1 { slot = expected; i = keyStart + key.length }
                        }
                    }
                    if slot < 0 {
                        while i < n {
                            let c = p[i]
                            if c == 0x3D { break }
                            guard c == 0x5F || (c | 0x20) &- 0x61 < 26 || c &- 0x30 < 10 && i > keyStart else { return false }
                            i += 1
                        }
                        guard i < n, i > keyStart else { return false }
                        slot = self.slot(p + keyStart, i - keyStart, available: n - keyStart)
                    }
                    expected = slot + 1
                    i += 1
                    let special = keys[slot].special
                    let valueStart = i
                    var value: Double, scale = 1.0
                    if special == 1, let seconds = Self.quickDuration(p, n, &i) {
                        eta = seconds
                        continue
                    } else if special != 1, let v = Self.quickNumber(p, n, &i, scale: &scale) {
                        value = v
                    } else {
                        while i < n, p[i] != 0x2C, p[i] != 0x20 { i += 1 }
                        guard i > valueStart else { return false }
                        let text = UnsafeBufferPointer(start: p + valueStart, count: i - valueStart)
                        if special == 1 {
                            guard let seconds = Self.duration(text) else { return false }
                            eta = seconds
                            continue
                        }
                        guard let v = Self.number(text) else { return false }
                        value = v
                    }
                    guard found < Self.maxValues else { return false }
                    if special == 2 { secondsPerStepAt = found }
                    values[found] = value; scales[found] = scale
                    columns[found] = slot  // the slot until the line is known good
                    found += 1
                }
                for k in 0..<found { values[k] /= scales[k] }
                parser.epochs = epochs
                parser.stepsPerEpoch = perEpoch
                guard found > 0 else { return true }
                let time = clock.parse(UnsafeBufferPointer(start: p, count: n)) ?? .nan
                for k in 0..<found { columns[k] = column(ofSlot: columns[k], in: &table) }
                let record = table.addKey(MetricKey(step: globalStep, epoch: Double(epoch), time: time))
                table.appendRow(record: record, step: globalStep, columns: columns.baseAddress!, values: values, count: found)
                records += 1
                pending.append(TrainProgress(step: globalStep, steps: totalSteps, epoch: epoch, epochs: epochs, time: time,
                                             secondsPerStep: secondsPerStepAt >= 0 ? values[secondsPerStepAt] : nil, eta: eta))
                if pending.count >= 2 * ProgressTracker.window { pending.removeFirst(ProgressTracker.window) }
                return true
            }
        }
    }

    /// `duration` of the common "0:02:31" read in place when it ends at a ',' or ' ' or the end
    /// of the line; nil, with `i` unchanged, for anything else.
    @inline(__always)
    static func quickDuration(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int) -> Double? {
        var j = i
        var total = 0, part = 0, digits = 0, parts = 1
        while j < n, p[j] != 0x2C, p[j] != 0x20 {
            let c = p[j]
            if c == 0x3A {
                guard digits > 0, parts < 3 else { return nil }
                total = total * 60 + part; part = 0; digits = 0; parts += 1
            } else if c &- 0x30 < 10, digits < 9 {
                part = part * 10 + Int(c &- 0x30); digits += 1
            } else {
                return nil
            }
            j += 1
        }
        guard digits > 0 else { return nil }
        i = j
        return Double(total * 60 + part)
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

    /// The key's entry in the cache, added when new (its column is made when a value first
    /// lands in it). Keys come in the same order on every line, so `scanTrain` tries the one
    /// after the last key first and comes here only for another.
    private mutating func slot(_ key: UnsafePointer<UInt8>, _ length: Int, available: Int) -> Int {
        let (w0, w1) = Self.words(key, length, available: available)
        for n in keys.indices where keys[n].length == length && keys[n].w0 == w0 && keys[n].w1 == w1 {
            if length <= 16 || keyBytes[n].withUnsafeBufferPointer({ memcmp($0.baseAddress!, key, length) == 0 }) { return n }
        }
        let bytes = Array(UnsafeBufferPointer(start: key, count: length))
        let name = String(decoding: bytes, as: UTF8.self)
        let special: UInt8 = name == "eta" ? 1 : name == "time_each_step" ? 2 : 0
        keys.append(Key(w0: w0, w1: w1, length: length, column: -1, special: special))
        keyBytes.append(bytes)
        return keys.count - 1
    }

    /// The first 16 bytes of a key as two little-endian words, zero beyond `length`; two loads
    /// when the line has 16 bytes from the key on (it nearly always has: "=value" follows).
    @inline(__always)
    static func words(_ key: UnsafePointer<UInt8>, _ length: Int, available: Int) -> (UInt64, UInt64) {
        if available >= 16 {
            let raw = UnsafeRawPointer(key)
            var w0 = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
            var w1 = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            if length < 8 { w0 &= (1 << (8 * UInt64(length))) - 1 }
            if length < 16 { w1 = length <= 8 ? 0 : w1 & ((1 << (8 * UInt64(length - 8))) - 1) }
            return (w0, w1)
        }
        var w0: UInt64 = 0, w1: UInt64 = 0
        for k in 0..<min(length, 16) {
            if k < 8 { w0 |= UInt64(key[k]) << (8 * UInt64(k)) } else { w1 |= UInt64(key[k]) << (8 * UInt64(k - 8)) }
        }
        return (w0, w1)
    }

    @inline(__always)
    private mutating func column(ofSlot n: Int, in table: inout MetricTable) -> Int {
        if keys[n].column >= 0 { return keys[n].column }
        return newColumn(ofSlot: n, in: &table)
    }

    private mutating func newColumn(ofSlot n: Int, in table: inout MetricTable) -> Int {
        let name = String(decoding: keyBytes[n], as: UTF8.self)
        let column = table.columnIndex(keys[n].special == 2 ? "train/time_each_step" : MetricText.seriesName(name))
        keys[n].column = column
        return column
    }

    // MARK: - Bytes

    /// True when `word` is at `at` in the line.
    @inline(__always)
    private static func has(_ p: UnsafePointer<UInt8>, _ n: Int, _ at: Int, _ word: StaticString) -> Bool {
        at + word.utf8CodeUnitCount <= n && memcmp(p + at, word.utf8Start, word.utf8CodeUnitCount) == 0
    }

    private static func contains(_ p: UnsafePointer<UInt8>, _ n: Int, _ word: StaticString) -> Bool {
        let length = word.utf8CodeUnitCount
        var i = 0
        while i + length <= n, let hit = memchr(p + i, Int32(word.utf8Start[0]), n - length + 1 - i) {
            let at = p.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if has(p, n, at, word) { return true }
            i = at + 1
        }
        return false
    }

    @inline(__always)
    private static func expect(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int, _ c: UInt8) -> Bool {
        guard i < n, p[i] == c else { return false }
        i += 1
        return true
    }

    @inline(__always)
    private static func integer(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int) -> Int? {
        var v = 0, count = 0
        while i < n, count < 12 {
            let d = p[i] &- 0x30
            guard d < 10 else { break }
            v = v &* 10 &+ Int(d); i += 1; count += 1
        }
        return count > 0 && count < 12 ? v : nil
    }

    private static let powers: [Double] = (0...22).map { Double(sign: .plus, exponent: 0, significand: 1) * pow(10, Double($0)) }

    /// The common value "2.302585", "-0.5" or "0.31s", read in place when it ends at a ',' or
    /// ' ' or the end of the line, as its digits and the power of ten to divide them by (both
    /// exact with at most 15 digits, so the one division rounds correctly: what `number`
    /// computes for the same text). Nil, with `i` unchanged, for anything else.
    @inline(__always)
    static func quickNumber(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int, scale: inout Double) -> Double? {
        var j = i
        let negative = j < n && p[j] == 0x2D
        if negative { j += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        while j < n, p[j] &- 0x30 < 10, digits < 16 { mantissa = mantissa &* 10 &+ UInt64(p[j] &- 0x30); digits += 1; j += 1 }
        var fraction = 0
        if j < n, p[j] == 0x2E {
            j += 1
            while j < n, p[j] &- 0x30 < 10, digits < 16 { mantissa = mantissa &* 10 &+ UInt64(p[j] &- 0x30); digits += 1; fraction += 1; j += 1 }
        }
        if j < n, p[j] == 0x73, digits > 0 { j += 1 }  // "0.31s": `number` drops the unit too
        guard digits > 0, digits <= 15, j == n || p[j] == 0x2C || p[j] == 0x20 else { return nil }
        i = j
        let whole = Double(Int64(bitPattern: mantissa))  // below 10^15: one signed conversion
        scale = powerOfTen(fraction)
        return negative ? -whole : whole
    }

    /// 10^k for 0 ≤ k ≤ 15, exact (a constant table, with no lazy global to check).
    @inline(__always)
    static func powerOfTen(_ k: Int) -> Double {
        switch k {
        case 0: 1
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        default: 1e15
        }
    }

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
