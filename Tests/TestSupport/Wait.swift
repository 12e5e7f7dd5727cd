import Foundation

/// Polls `condition` every `interval` seconds until it holds or `timeout` seconds have passed, and says
/// whether it held. Tests wait for what they expect to see, with a deadline generous enough for a busy
/// machine, never for a fixed time: a fixed sleep is too short under load and proves nothing when the
/// feature is broken. A check that something does *not* happen waits first for a witness that shows
/// enough has happened (another watcher got the write, the loop went back to sleep), then looks.
public func waitUntil(timeout: Double = 5, interval: Double = 0.01, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        usleep(UInt32(interval * 1_000_000))
    }
    return try condition()
}
