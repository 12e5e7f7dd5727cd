#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The names `aiarts log parse --format` accepts.
public enum MetricSourceFormat: String, CaseIterable, Sendable {
    case auto, `protocol`, paddlex, paddledet, paddleclas, paddleseg, hf, keras, lightning, ultralytics, csv, kv, tfevents
    case aiartsTrain = "aiarts-train"
}

/// How one file is read.
public enum MetricSourceKind: Equatable, Sendable {
    /// The JSON-lines protocol (metrics.jsonl).
    case protocolLines
    /// A console log; nil: the format is found from the lines themselves (`AutoLogParser`).
    case log(LogFormat?)
    /// A CSV of one row per epoch or step; nil flavour: from its header.
    case csv(CSVMetricsParser.Flavor?)
    /// A Hugging Face trainer_state.json, read whole whenever it changes.
    case trainerState
    /// A TensorBoard event file.
    case tfevents

    /// The kind for an explicit `--format`, or found from the file for `.auto`.
    public static func resolve(_ format: MetricSourceFormat, path: String) -> MetricSourceKind {
        let name = (path as NSString).lastPathComponent
        let isCSV = name.lowercased().hasSuffix(".csv"), isJSON = name.lowercased().hasSuffix(".json")
        switch format {
        case .protocol: return .protocolLines
        case .paddlex: return .log(.paddleX)
        case .paddledet: return .log(.paddleDetection)
        case .paddleclas: return .log(.paddleClas)
        case .paddleseg: return .log(.paddleSeg)
        case .aiartsTrain: return .log(.aiartsTrain)
        case .hf: return isJSON ? .trainerState : .log(.huggingFace)
        case .keras: return isCSV ? .csv(.keras) : .log(.keras)
        case .lightning: return .csv(.lightning)
        case .ultralytics: return .csv(.ultralytics)
        case .csv: return .csv(nil)
        case .kv: return .log(.keyValue)
        case .tfevents: return .tfevents
        case .auto: return sniff(path: path)
        }
    }

    /// Finds the kind of a file from its name and first 64 KiB: event files by name or by a
    /// valid first record frame, CSV and JSON by extension, the protocol by a first line that
    /// parses as one, and console logs by `LogFormatDetector` over their first lines.
    public static func sniff(path: String) -> MetricSourceKind {
        let name = (path as NSString).lastPathComponent
        if name.hasPrefix("events.out.tfevents.") { return .tfevents }
        let head = readHead(path, count: 64 << 10)
        if head.count >= 12, looksLikeEventFrame(head) { return .tfevents }
        if name.lowercased().hasSuffix(".csv") { return .csv(nil) }
        if name.lowercased().hasSuffix(".json") { return .trainerState }
        var lines = head.split(separator: 0x0A, omittingEmptySubsequences: true).prefix(400).map { String(decoding: $0, as: UTF8.self) }
        if head.count == 64 << 10, !lines.isEmpty { lines.removeLast() }  // possibly cut short
        if let first = lines.first(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            var probe = MetricsProtocolParser()
            if probe.parse(first) != nil { return .protocolLines }
        }
        if CSVMetricsParser.looksLikeCSV(lines) { return .csv(nil) }
        return .log(LogFormatDetector.detect(lines: lines, fileName: name))
    }

    static func looksLikeEventFrame(_ head: [UInt8]) -> Bool {
        head.withUnsafeBufferPointer { p in
            var stored: UInt32 = 0
            for k in 0..<4 { stored |= UInt32(p[8 + k]) << (8 * k) }
            return CRC32C.masked(CRC32C.checksum(UnsafeBufferPointer(rebasing: p[0..<8]))) == stored
        }
    }

    static func readHead(_ path: String, count: Int) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, n in
            let got = pread(fd, buffer.baseAddress!, count, 0)
            n = max(0, got)
        }
    }
}

/// Reads one metrics file into its own `MetricTable`, incrementally by byte offset: each
/// `update()` reads only what was appended since the last, and starts over (a reset) when the
/// file was truncated or rewritten.
public struct MetricSourceReader: Sendable {
    public let path: String
    public let kind: MetricSourceKind
    public private(set) var table = MetricTable()
    /// Lines (or event records) read, and what was skipped.
    public private(set) var lines = 0
    public private(set) var skippedLongLines = 0
    /// True once the file was seen to exist.
    public private(set) var exists = false
    private var state: State

    private enum State: Sendable {
        case lines(IncrementalReader, LineParser)
        case events(TFEventsReader)
        case whole(signature: [Int], skipped: String)
    }

    private enum LineParser: Sendable {
        case protocolParser(MetricsProtocolParser)
        case paddleX(PaddleXFastScanner)
        case parser(any LogMetricParser)
        case auto(AutoLogParser)
    }

    public init(path: String, kind: MetricSourceKind) {
        self.path = path; self.kind = kind
        state = Self.initialState(path: path, kind: kind)
    }

    private static func initialState(path: String, kind: MetricSourceKind) -> State {
        switch kind {
        case .protocolLines: return .lines(IncrementalReader(path: path), .protocolParser(MetricsProtocolParser()))
        case .log(.paddleX): return .lines(IncrementalReader(path: path), .paddleX(PaddleXFastScanner()))
        case let .log(format?): return .lines(IncrementalReader(path: path), .parser(format.makeParser()))
        case .log(nil): return .lines(IncrementalReader(path: path), .auto(AutoLogParser()))
        case let .csv(flavor): return .lines(IncrementalReader(path: path), .parser(CSVMetricsParser(flavor: flavor)))
        case .trainerState: return .whole(signature: [], skipped: "")
        case .tfevents: return .events(TFEventsReader(path: path))
        }
    }

    /// The log format in use, once known (auto-detected logs learn it from their lines).
    public var logFormat: LogFormat? {
        if case let .lines(_, .auto(parser)) = state { return parser.format }
        if case let .log(format) = kind { return format }
        return nil
    }

    /// Lines or records skipped, as one line ("" when none).
    public var skipped: String {
        var tally = SkipTally()
        switch state {
        case let .lines(_, .protocolParser(parser)): tally = parser.skipped
        case let .events(reader): tally = reader.skipped
        case let .whole(_, skipped): return skipped
        case let .lines(_, .paddleX(scanner)): tally = scanner.skipped
        case let .lines(_, .parser(parser)): tally = parser.skipped
        case let .lines(_, .auto(parser)): tally = parser.skipped
        }
        for _ in 0..<skippedLongLines { tally.record(.lineTooLong) }
        return tally.summary
    }

    /// Files from this size on are read on two cores where the format allows (PaddleX).
    var splitBytes = PaddleXSplitRead.minimumBytes

    /// Bytes read at a time: small enough for the caches to hold the block while it is parsed.
    static let blockBytes = 4 << 20

    /// Reads everything appended since the last call; true when the table was started over
    /// (the file was truncated, replaced or rewritten).
    @discardableResult
    public mutating func update() throws(MetricsError) -> Bool {
        switch state {
        case .lines(var reader, var parser):
            state = .whole(signature: [], skipped: "")  // keep the payloads uniquely referenced while mutating
            defer { state = .lines(reader, parser) }
            var reset = false
            // A long log read from its start: on two cores when it is PaddleX's.
            if case .paddleX = parser, reader.position == .start, lines == 0,
               let whole = try PaddleXSplitRead.read(path: path, minimumBytes: splitBytes) {
                reader = whole.reader
                parser = .paddleX(whole.scanner)
                table = whole.table
                lines = whole.scanner.lines
                skippedLongLines = whole.skippedLongLines
                exists = true
            }
            var buffer: [UInt8] = []
            while true {
                var block = try reader.readBlock(maxBytes: Self.blockBytes, reusing: &buffer)
                exists = block.exists
                if block.reset {
                    reset = true
                    table = MetricTable(); lines = 0; skippedLongLines = 0
                    parser = Self.fresh(parser, kind: kind)
                }
                switch parser {
                case .protocolParser(var p):
                    block.forEachLine { line, offset in
                        lines += 1
                        if let record = p.parse(line: line, at: offset) { table.append(record) }
                    }
                    parser = .protocolParser(p)
                case .paddleX(var scanner):
                    let first = table.pointCount == 0
                    block.forEachLine { line, _ in scanner.scan(line, into: &table) }
                    if first, block.hasMore, !block.range.isEmpty {
                        var info = stat()
                        if stat(path, &info) == 0 { table.reserve(factor: 1.02 * Double(Int(info.st_size) - block.base) / Double(block.range.count)) }
                    }
                    lines = scanner.lines
                    scanner.flushProgress(into: &table)
                    parser = .paddleX(scanner)
                case .parser(var p):
                    block.forEachLine { line, _ in
                        lines += 1
                        table.append(contentsOf: p.feed(String(decoding: line, as: UTF8.self)))
                    }
                    parser = .parser(p)
                case .auto(var p):
                    block.forEachLine { line, _ in
                        lines += 1
                        table.append(contentsOf: p.feed(String(decoding: line, as: UTF8.self)))
                    }
                    parser = .auto(p)
                }
                skippedLongLines += block.skippedLongLines
                swap(&buffer, &block.bytes)
                if !block.hasMore { break }
            }
            return reset
        case var .events(reader):
            defer { state = .events(reader) }
            var reset = false
            while true {
                let before = reader.offset
                let chunk = try reader.read()
                exists = exists || FileManager.default.fileExists(atPath: path)
                if chunk.reset { reset = true; table = MetricTable(); lines = 0 }
                lines += chunk.records
                for point in chunk.points { table.append(point, raw: true) }
                if reader.offset == before || reader.corruptAt != nil { break }
            }
            return reset
        case let .whole(signature, _):
            return try readWhole(previous: signature)
        }
    }

    /// Ends a one-shot read: a log whose format was never settled adopts key=value.
    public mutating func finish() {
        guard case .lines(let reader, .auto(var p)) = state else { return }
        table.append(contentsOf: p.finish())
        state = .lines(reader, .auto(p))
    }

    private static func fresh(_ parser: LineParser, kind: MetricSourceKind) -> LineParser {
        if case let .lines(_, p) = initialState(path: "", kind: kind) { return p }
        return parser
    }

    private mutating func readWhole(previous: [Int]) throws(MetricsError) -> Bool {
        guard let (fd, info) = try IncrementalReader.openRegularFile(path) else { exists = false; return false }
        defer { close(fd) }
        exists = true
        let signature = [Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec), Int(info.st_ino)]
        guard signature != previous else { return false }
        guard info.st_size <= 256 << 20 else {
            throw MetricsError(.corrupt, path: path, "is larger than 256 MiB; a trainer_state.json is a few megabytes at most")
        }
        let bytes = MetricSourceKind.readHead(path, count: Int(info.st_size))
        var skipped = ""
        var fresh = MetricTable()
        do {
            let state = try TrainerStateReader.read(bytes, path: path)
            fresh.append(contentsOf: state.records)
            lines = state.records.count
        } catch {
            // A file caught half rewritten: keep what we had and try again at its next change.
            guard previous.isEmpty else { self.state = .whole(signature: previous, skipped: ""); return false }
            skipped = error.message
            lines = 0
        }
        table = fresh
        self.state = .whole(signature: signature, skipped: skipped)
        return true
    }

    /// Marks the table's points as delivered (for live feeds).
    mutating func markDelivered() { table.markDelivered() }
}
