import AIArtsEngine
import Foundation

/// A value in a metrics line. Only what the protocol needs: numbers, strings, booleans.
public enum MetricValue: Sendable, Equatable {
    case int(Int)
    case number(Double)
    case string(String)
    case bool(Bool)

    /// JSONWriter writes NaN and infinity as null: a diverged loss must not break the line.
    func write(to writer: inout JSONWriter) {
        switch self {
        case let .int(v): writer.number(v)
        case let .number(v): writer.number(v)
        case let .string(s): writer.string(s)
        case let .bool(b): writer.bool(b)
        }
    }
}

/// Appends the metrics protocol (docs/metrics-protocol.md): one JSON object a line. The file is opened with
/// O_APPEND and every line goes out in a single write(2), so the engine, which reads the file
/// incrementally while training runs, never sees a partial line from buffering.
public final class MetricsWriter: @unchecked Sendable {
    public let url: URL
    private let fd: Int32
    private let lock = NSLock()

    /// $AIARTS_METRICS when set, else TASKDIR/metrics.jsonl.
    public static func defaultURL(taskDir: URL, environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let path = environment["AIARTS_METRICS"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return taskDir.appendingPathComponent("metrics.jsonl")
    }

    public init(url: URL) throws {
        self.url = url
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        fd = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TrainError("cannot open \(url.path) for metrics: \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// Writes one line; fields keep the order given ("type" first reads best). A line without
    /// `time` gets the wall time now (to the millisecond): every point can be drawn on a time axis.
    public func write(_ fields: [(String, MetricValue)]) throws {
        var fields = fields
        if !fields.contains(where: { $0.0 == "time" }) { fields.append(("time", .number(Self.now()))) }
        let line = Self.line(fields) + "\n"
        let bytes = Array(line.utf8)
        try lock.withLock {
            var done = 0
            while done < bytes.count {
                let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + done, bytes.count - done) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw TrainError("cannot write metrics to \(url.path): \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
    }

    /// Unix seconds, rounded to the millisecond.
    static func now() -> Double { (Date().timeIntervalSince1970 * 1000).rounded() / 1000 }

    public static func line(_ fields: [(String, MetricValue)]) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        for (name, value) in fields {
            writer.key(name)
            value.write(to: &writer)
        }
        writer.endObject()
        return writer.string
    }
}
