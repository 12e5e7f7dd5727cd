import Foundation

/// Wall and CPU time of the phases of a long job, for the log. CPU time counts every thread of
/// the process, so a phase that waits (on the disk, or on a machine busy with other work) shows
/// wall time well above its CPU time.
struct PhaseClock {
    private var last = DispatchTime.now().uptimeNanoseconds
    private var lastCPU = PhaseClock.processCPU()
    private(set) var laps: [(name: String, wall: Double, cpu: Double)] = []

    mutating func lap(_ name: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        let cpu = Self.processCPU()
        laps.append((name, Double(now - last) / 1e9, cpu - lastCPU))
        last = now
        lastCPU = cpu
    }

    var summary: String { laps.map { String(format: "%@ %.2fs (cpu %.2fs)", $0.name, $0.wall, $0.cpu) }.joined(separator: ", ") }

    static func processCPU() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
