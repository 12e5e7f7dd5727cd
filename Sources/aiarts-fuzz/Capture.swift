#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// Keeps the input being run where a dying process can still save it.
///
/// A Swift trap (overflow, bounds, force unwrap) ends the process with SIGILL or SIGTRAP, so
/// nothing after the call runs. Before each call the input is copied into a fixed buffer; the
/// signal handler (async-signal-safe: open/write/close only) writes it to
/// `crash-<target>-<hash>` and re-raises. A watchdog thread does the same for an input that
/// runs longer than the time limit (`hang-<target>-<hash>`) and exits.
enum Capture {
    static let capacity = Mutator.maxSize + 16
    nonisolated(unsafe) static var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    /// Bytes of `buffer` in use; -1 when no input is running.
    static let length = Atomic<Int>(-1)
    static let startedAt = Atomic<Int>(0)
    /// "<dir>/" and "-<target>-": the file name is assembled in `save` without allocating.
    nonisolated(unsafe) static var directory = UnsafeMutablePointer<CChar>.allocate(capacity: 4096)
    nonisolated(unsafe) static var target = UnsafeMutablePointer<CChar>.allocate(capacity: 256)
    nonisolated(unsafe) static var path = UnsafeMutablePointer<CChar>.allocate(capacity: 4096 + 256 + 32)

    static func install(directory: String, target: String, timeout: Double) {
        let dir = Array((directory + "/").utf8CString), name = Array(("-" + target + "-").utf8CString)
        precondition(dir.count < 4096 && name.count < 256, "crash directory path or target name too long")
        for (i, c) in dir.enumerated() { Self.directory[i] = c }
        for (i, c) in name.enumerated() { Self.target[i] = c }
        // The handler needs a stack of its own: a runaway recursion dies on its guard page.
        let altSize = 1 << 16
        var alt = stack_t(ss_sp: UnsafeMutableRawPointer.allocate(byteCount: altSize, alignment: 16), ss_flags: 0, ss_size: altSize)
        sigaltstack(&alt, nil)
        for sig in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                Capture.save(kind: "crash")
                signal(sig, SIG_DFL)
                raise(sig)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = Int32(SA_ONSTACK)
            sigaction(sig, &action, nil)
        }
        let limit = Int(timeout * 1e9)
        Thread.detachNewThread {
            while true {
                usleep(50_000)
                if length.load(ordering: .acquiring) >= 0, now() - startedAt.load(ordering: .relaxed) > limit {
                    save(kind: "hang")
                    _exit(3)
                }
            }
        }
    }

    static func now() -> Int {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return t.tv_sec * 1_000_000_000 + t.tv_nsec
    }

    /// Runs `body` on `input` with the input kept for the handler.
    @inline(never)
    static func run(_ input: [UInt8], _ body: ([UInt8]) -> Void) {
        input.withUnsafeBufferPointer { p in
            if let base = p.baseAddress { buffer.update(from: base, count: min(p.count, capacity)) }
        }
        startedAt.store(now(), ordering: .relaxed)
        length.store(min(input.count, capacity), ordering: .releasing)
        body(input)
        length.store(-1, ordering: .releasing)
    }

    /// Writes the running input to its file: only async-signal-safe calls from here down.
    static func save(kind: StaticString) {
        let count = length.load(ordering: .acquiring)
        guard count >= 0 else { return }
        var n = 0
        func append(_ text: UnsafePointer<CChar>) {
            var i = 0
            while text[i] != 0 { path[n] = text[i]; n += 1; i += 1 }
        }
        append(directory)
        kind.withUTF8Buffer { k in for c in k { path[n] = CChar(bitPattern: c); n += 1 } }
        append(target)
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a
        for i in 0..<count { hash = (hash ^ UInt64(buffer[i])) &* 0x100_0000_01B3 }
        let hex: StaticString = "0123456789abcdef"
        hex.withUTF8Buffer { h in
            for i in 0..<16 { path[n] = CChar(bitPattern: h[Int((hash >> UInt64(60 - 4 * i)) & 0xF)]); n += 1 }
        }
        path[n] = 0
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd >= 0 {
            var done = 0
            while done < count {
                let n = write(fd, buffer + done, count - done)
                if n <= 0 { break }
                done += n
            }
            close(fd)
        }
        let note: StaticString = "aiarts-fuzz: input saved to "
        _ = write(2, note.utf8Start, note.utf8CodeUnitCount)
        _ = write(2, path, strlen(path))
        _ = write(2, "\n", 1)
    }
}
