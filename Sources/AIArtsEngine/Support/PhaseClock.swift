import Foundation

/// Wall time of the phases of a long job, for the log.
struct PhaseClock {
    private var last = DispatchTime.now().uptimeNanoseconds
    private(set) var laps: [(String, Double)] = []

    mutating func lap(_ name: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        laps.append((name, Double(now - last) / 1e9))
        last = now
    }

    var summary: String { laps.map { String(format: "%@ %.2fs", $0.0, $0.1) }.joined(separator: ", ") }
}
