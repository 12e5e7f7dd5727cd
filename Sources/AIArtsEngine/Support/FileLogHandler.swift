import Foundation
import Logging
import Synchronization

/// A swift-log handler that appends to a file: the engine never writes to the terminal, which
/// the UI owns.
public struct FileLogHandler: LogHandler {
    private static let bootstrapped = Mutex(false)
    final class Sink: @unchecked Sendable {
        let lock = NSLock()
        let handle: FileHandle?
        init(path: String) {
            if !FileManager.default.fileExists(atPath: path) {
                _ = FileManager.default.createFile(atPath: path, contents: nil)
            }
            handle = FileHandle(forWritingAtPath: path)
            _ = try? handle?.seekToEnd()
        }
        func write(_ line: String) {
            lock.withLock { try? handle?.write(contentsOf: Data(line.utf8)) }
        }
    }

    let label: String
    let sink: Sink
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    /// Routes every logger of this process to `path`. Only the first call of a process counts
    /// (swift-log takes one bootstrap; a command that opens its workspace twice calls it twice).
    public static func bootstrap(path: String, level: Logger.Level = .info) {
        let first = bootstrapped.withLock { done in defer { done = true }; return !done }
        guard first else { return }
        let sink = Sink(path: path)
        LoggingSystem.bootstrap { label in
            var handler = FileLogHandler(label: label, sink: sink)
            handler.logLevel = level
            return handler
        }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let stamp = ISO8601DateFormatter().string(from: Date())
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let meta = merged.isEmpty ? "" : " " + merged.map { "\($0)=\($1)" }.sorted().joined(separator: " ")
        sink.write("\(stamp) \(event.level) \(label):\(meta) \(event.message)\n")
    }
}

extension FileLogHandler {
    /// A handler of its own for one logger (the server's log), beside the process's.
    public init(label: String, path: String, level: Logger.Level = .info) {
        self.init(label: label, sink: Sink(path: path))
        logLevel = level
    }
}
