#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Reads the "2025-01-01 10:00:00" that Python's logging (PaddleX, PaddleDetection) puts at the
/// start of each line, as local time (what `time.strftime` wrote), into Unix seconds.
///
/// mktime runs once per distinct date and hour: a log of millions of lines pays for it a few
/// thousand times. (The hour repeated when clocks go back is read as its first occurrence.)
public struct LogTimestamp: Sendable {
    private var cachedHour: (UInt64, UInt64) = (0, 0)  // "YYYY-MM-DD HH" as two words
    private var cachedBase: Double = .nan

    public init() {}

    /// The time at the start of `line`, or nil when it does not start with one.
    public mutating func parse(_ line: UnsafeBufferPointer<UInt8>) -> Double? {
        guard line.count >= 19, let p = line.baseAddress else { return nil }
        @inline(__always) func digit(_ i: Int) -> Int? {
            let c = p[i] &- 0x30
            return c < 10 ? Int(c) : nil
        }
        guard p[4] == 0x2D, p[7] == 0x2D, p[10] == 0x20 || p[10] == 0x54, p[13] == 0x3A, p[16] == 0x3A,
              let m1 = digit(14), let m2 = digit(15), let s1 = digit(17), let s2 = digit(18)
        else { return nil }
        var key: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &key) { $0.copyMemory(from: UnsafeRawBufferPointer(start: p, count: 13)) }
        if key != cachedHour || cachedBase.isNaN {
            guard let base = Self.hourStart(p) else { return nil }
            cachedHour = key; cachedBase = base
        }
        let minutes = m1 * 10 + m2, seconds = s1 * 10 + s2
        guard minutes < 60, seconds < 61 else { return nil }
        var t = cachedBase + Double(minutes * 60 + seconds)
        // ",123" (logging's default format) or ".123": milliseconds.
        if line.count >= 23, p[19] == 0x2C || p[19] == 0x2E, let a = digit(20), let b = digit(21), let c = digit(22) {
            t += Double(a * 100 + b * 10 + c) / 1000
        }
        return t
    }

    public mutating func parse(_ line: String) -> Double? {
        var line = line
        return line.withUTF8 { parse($0) }
    }

    /// The time at the start of a line of any of the Paddle suites: "2023-01-01 10:00:00" (PaddleX,
    /// PaddleSeg), "[2023/05/10 10:00:00]" (PaddleClas) or "[01/02 10:00:00]" (PaddleDetection,
    /// whose format has no year: the year given, by default this one).
    public mutating func parsePaddle(_ line: String, year: Int = Self.currentYear) -> Double? {
        let bytes = Array(line.utf8.prefix(24))
        if let t = bytes.withUnsafeBufferPointer({ parse($0) }) { return t }
        guard bytes.first == UInt8(ascii: "[") else { return nil }
        var normal: [UInt8]
        if bytes.count >= 21, bytes[5] == UInt8(ascii: "/"), bytes[8] == UInt8(ascii: "/"), bytes[20] == UInt8(ascii: "]") {
            normal = Array(bytes[1..<20])  // 2023/05/10 10:00:00
        } else if bytes.count >= 16, bytes[3] == UInt8(ascii: "/"), bytes[15] == UInt8(ascii: "]"), (1000...9999).contains(year) {
            normal = Array(String(year).utf8) + [UInt8(ascii: "/")] + Array(bytes[1..<15])  // 01/02 10:00:00
        } else {
            return nil
        }
        normal[4] = UInt8(ascii: "-"); normal[7] = UInt8(ascii: "-")
        return normal.withUnsafeBufferPointer { parse($0) }
    }

    public static var currentYear: Int { Calendar(identifier: .gregorian).component(.year, from: Date()) }

    private static func hourStart(_ p: UnsafePointer<UInt8>) -> Double? {
        func number(_ from: Int, _ count: Int) -> Int32? {
            var v: Int32 = 0
            for i in from..<(from + count) {
                let c = p[i] &- 0x30
                guard c < 10 else { return nil }
                v = v * 10 + Int32(c)
            }
            return v
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
              (1970...9999).contains(year), (1...12).contains(month), (1...31).contains(day), hour < 24 else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900; parts.tm_mon = month - 1; parts.tm_mday = day; parts.tm_hour = hour
        parts.tm_isdst = -1
        let t = mktime(&parts)
        return t == -1 ? nil : Double(t)
    }
}
