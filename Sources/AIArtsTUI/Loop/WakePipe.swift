import Foundation

/// A self-pipe: writing a byte wakes a thread blocked in poll() on `readFD`. Both ends are
/// non-blocking so a writer (a background job, a signal handler) never stalls on a full pipe.
/// The pipe lives as long as the object, so a late writer never writes into a reused descriptor.
final class WakePipe: @unchecked Sendable {
    let readFD: Int32
    let writeFD: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 { fds = [-1, -1] }
        readFD = fds[0]; writeFD = fds[1]
        for fd in fds where fd >= 0 {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
    }

    deinit {
        if readFD >= 0 { close(readFD) }
        if writeFD >= 0 { close(writeFD) }
    }

    func wake(_ byte: UInt8 = 1) {
        var b = byte
        _ = write(writeFD, &b, 1)
    }

    /// Empties the pipe and returns what was in it.
    @discardableResult
    func drain() -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64)
        while true {
            let n = read(readFD, &chunk, chunk.count)
            if n <= 0 { break }
            out += chunk[0..<n]
        }
        return out
    }
}
