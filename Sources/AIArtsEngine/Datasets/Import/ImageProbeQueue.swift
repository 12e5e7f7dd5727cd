import Foundation

/// Checks images on worker threads while the parser is still reading the annotation file.
///
/// Why: a COCO file lists all its images before its annotations, and the parser runs on one core.
/// Probing each image as soon as the parser has found it keeps the other cores busy while the
/// parser walks hundreds of thousands of annotations; the checker then finds the results ready.
/// Nothing here writes to the database, so nothing waits on it.
final class ImageProbeQueue: @unchecked Sendable {
    private let verification: ImageVerification
    private let isCancelled: @Sendable () -> Bool
    private let workerCount: Int
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var queue: [(index: Int, url: URL)] = []
    private var head = 0
    private var results: [Int: Result<ProbedImage, Error>] = [:]
    private var closed = false
    private var stopped = false
    private var started = 0
    private var running = 0

    /// `workers` defaults to one less than the cores: the parser keeps one.
    init(verification: ImageVerification, workers: Int = max(1, ProcessInfo.processInfo.activeProcessorCount - 1),
         isCancelled: @escaping @Sendable () -> Bool) {
        self.verification = verification
        self.workerCount = max(1, workers)
        self.isCancelled = isCancelled
    }

    /// Images submitted but not yet handed to the workers: handing them over in batches keeps the
    /// parser from waking a worker (a system call) for every image. Used by the submitting thread only.
    private var batch: [(index: Int, url: URL)] = []
    private static let batchSize = 128

    /// Queues the image of sample `index`; workers start with the first batch. Call from one thread.
    func submit(_ index: Int, _ url: URL) {
        batch.append((index, url))
        if batch.count >= Self.batchSize { handOver() }
    }

    private func handOver() {
        guard !batch.isEmpty else { return }
        condition.lock()
        queue.append(contentsOf: batch)
        let start = started < workerCount
        if start { started += 1; running += 1 }
        condition.broadcast()
        condition.unlock()
        batch.removeAll(keepingCapacity: true)
        if start { DispatchQueue.global(qos: .userInitiated).async { self.work() } }
    }

    /// Probes what is still queued (on this thread too), waits for the workers, and returns what
    /// was found, by sample index. Images not probed (after a cancel) are absent; the checker
    /// probes those itself.
    func finish() -> [Int: Result<ProbedImage, Error>] {
        handOver()
        condition.lock()
        closed = true
        condition.broadcast()
        // The parser is done: its thread probes what is left alongside the workers.
        running += 1
        condition.unlock()
        work()
        condition.lock()
        while running > 0 { condition.wait() }
        let found = results
        results = [:]
        condition.unlock()
        return found
    }

    /// Drops what is still queued (the parse failed) and waits for the images being probed.
    func stop() {
        condition.lock()
        stopped = true
        condition.unlock()
        _ = finish()
    }

    private func work() {
        condition.lock()
        while true {
            if head < queue.count, !stopped, !isCancelled() {
                let (index, url) = queue[head]
                head += 1
                condition.unlock()
                let result = Result { try ImageProbe.probe(url, verification: verification) }
                condition.lock()
                results[index] = result
            } else if closed || (head < queue.count) {
                break  // everything queued is done, or the import was cancelled
            } else {
                condition.wait()
            }
        }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }
}
