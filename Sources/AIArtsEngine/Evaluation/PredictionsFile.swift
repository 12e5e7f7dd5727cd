import Foundation

/// `predictions.jsonl`: what a trainer writes for one split and the engine scores
/// (docs/evaluation.md). A header line, then one line per image keyed by the sample's path
/// exactly as the dataset records it.
public struct PredictionsFile: Sendable, Equatable {
    public struct Header: Sendable, Equatable {
        public var task: DatasetType
        public var labels: [String]
        public var split: String?
        public var epoch: Int?

        public init(task: DatasetType, labels: [String], split: String? = nil, epoch: Int? = nil) {
            self.task = task; self.labels = labels; self.split = split; self.epoch = epoch
        }
    }

    public struct Label: Sendable, Equatable {
        public var label: String
        public var score: Double
        public init(label: String, score: Double) { self.label = label; self.score = score }
    }

    public struct Detection: Sendable, Equatable {
        public var label: String
        public var score: Double
        /// x, y, width, height in pixels of the image as the dataset stores its boxes.
        public var bbox: Box
        /// Instance segmentation: COCO polygons or RLE.
        public var segmentation: Segmentation?

        public init(label: String, score: Double, bbox: Box, segmentation: Segmentation? = nil) {
            self.label = label; self.score = score; self.bbox = bbox; self.segmentation = segmentation
        }
    }

    public struct Entry: Sendable, Equatable {
        public var file: String
        /// Classification: ranked classes, best first.
        public var labels: [Label] = []
        /// Detection and instance segmentation.
        public var boxes: [Detection] = []
        /// Segmentation: a PNG of label indices, relative to the predictions file's folder.
        public var mask: String?
        /// Line number in the file (1-based), for messages.
        public var line: Int = 0

        public init(file: String, labels: [Label] = [], boxes: [Detection] = [], mask: String? = nil) {
            self.file = file; self.labels = labels; self.boxes = boxes; self.mask = mask
        }
    }

    public var header: Header
    public var entries: [Entry]

    public init(header: Header, entries: [Entry]) {
        self.header = header; self.entries = entries
    }

    // MARK: reading

    public static func read(_ url: URL) throws -> PredictionsFile {
        let bytes: [UInt8]
        do {
            bytes = try JSONDocument.readBytes(url)
        } catch {
            throw AIArtsError(.io, "cannot read the predictions file \(url.path): \(error.localizedDescription)")
        }
        return try parse(bytes, name: url.path)
    }

    public static func parse(_ bytes: [UInt8], name: String = "predictions.jsonl") throws -> PredictionsFile {
        var header: Header?
        var entries: [Entry] = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            lineNumber += 1
            let line = Array(bytes[start..<end])
            start = end + 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            func fail(_ message: String) -> AIArtsError { AIArtsError(.badInput, "\(name), line \(lineNumber): \(message)") }
            let document: JSONDocument
            do { document = try JSONDocument(bytes: line) } catch { throw fail("not valid JSON (\(error.message), column \(error.column))") }
            let root = document.root
            guard root.kind == .object else { throw fail("expected a JSON object") }
            guard let header else {
                guard root["type"]?.string == "header" else {
                    throw fail("the first line must be the header {\"type\":\"header\",\"task\":...,\"labels\":[...]}")
                }
                guard let raw = root["task"]?.string, let task = DatasetType(rawValue: raw) else {
                    throw fail("header \"task\" must be classification, detection, segmentation or instance_segmentation")
                }
                guard let list = root["labels"], list.kind == .array else { throw fail("header needs \"labels\", a list of class names") }
                var labels: [String] = []
                for item in list.elements {
                    guard let s = item.string else { throw fail("header \"labels\" must hold strings") }
                    labels.append(s)
                }
                header = Header(task: task, labels: labels, split: root["split"]?.string, epoch: root["epoch"]?.int)
                continue
            }
            guard let file = root["file"]?.string else { throw fail("no \"file\" (the sample's path in the dataset)") }
            var entry = Entry(file: file)
            entry.line = lineNumber
            switch header.task {
            case .classification:
                guard let list = root["labels"], list.kind == .array else { throw fail("no \"labels\" list of {\"label\", \"score\"}") }
                for item in list.elements {
                    guard let label = item["label"]?.string, let score = item["score"]?.double else {
                        throw fail("each of \"labels\" needs a string \"label\" and a numeric \"score\"")
                    }
                    entry.labels.append(Label(label: label, score: score))
                }
            case .detection, .instanceSegmentation:
                guard let list = root["boxes"], list.kind == .array else { throw fail("no \"boxes\" list of {\"label\", \"score\", \"bbox\"}") }
                for (n, item) in list.elements.enumerated() {
                    guard let label = item["label"]?.string, let score = item["score"]?.double else {
                        throw fail("boxes[\(n)] needs a string \"label\" and a numeric \"score\"")
                    }
                    guard let v = item["bbox"]?.doubles, v.count == 4 else { throw fail("boxes[\(n)] needs \"bbox\": [x, y, width, height]") }
                    var detection = Detection(label: label, score: score, bbox: Box(x: v[0], y: v[1], width: v[2], height: v[3]))
                    if let s = item["segmentation"], !s.isNull {
                        guard let parsed = segmentation(s) else {
                            throw fail("boxes[\(n)] \"segmentation\" must be polygons [[x1, y1, ...]] or RLE {\"size\": [h, w], \"counts\": ...}")
                        }
                        detection.segmentation = parsed
                    }
                    entry.boxes.append(detection)
                }
            case .segmentation:
                guard let mask = root["mask"]?.string else { throw fail("no \"mask\" (a PNG of label indices, relative to this file's folder)") }
                entry.mask = mask
            }
            entries.append(entry)
        }
        guard let header else { throw AIArtsError(.badInput, "\(name) is empty; the first line must be the header") }
        return PredictionsFile(header: header, entries: entries)
    }

    static func segmentation(_ value: JSON) -> Segmentation? {
        if value.kind == .array {
            var polygons: [[Double]] = []
            for item in value.elements {
                guard let p = item.doubles else { return nil }
                polygons.append(p)
            }
            return .polygons(polygons)
        }
        guard value.kind == .object, let size = value["size"]?.doubles, size.count == 2,
              let h = Int(exactly: size[0]), let w = Int(exactly: size[1]), let counts = value["counts"] else { return nil }
        if let text = counts.string { return .compressedRLE(height: h, width: w, counts: text) }
        guard let numbers = counts.doubles else { return nil }
        var list: [Int] = []
        for n in numbers {
            guard let i = Int(exactly: n), i >= 0 else { return nil }
            list.append(i)
        }
        return .rle(height: h, width: w, counts: list)
    }

    // MARK: writing

    /// The header line, without its newline.
    public static func headerLine(_ header: Header) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.member("type", "header")
        w.member("task", header.task.rawValue)
        w.key("labels"); w.beginArray(); for label in header.labels { w.string(label) }; w.endArray()
        if let split = header.split { w.member("split", split) }
        if let epoch = header.epoch { w.member("epoch", epoch) }
        w.endObject()
        return w.string
    }

    /// One entry's line, without its newline.
    public static func line(_ entry: Entry, task: DatasetType) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.member("file", entry.file)
        switch task {
        case .classification:
            w.key("labels"); w.beginArray()
            for l in entry.labels { w.beginObject(); w.member("label", l.label); w.member("score", l.score); w.endObject() }
            w.endArray()
        case .detection, .instanceSegmentation:
            w.key("boxes"); w.beginArray()
            for b in entry.boxes {
                w.beginObject()
                w.member("label", b.label); w.member("score", b.score)
                w.key("bbox"); w.beginArray()
                for v in [b.bbox.x, b.bbox.y, b.bbox.width, b.bbox.height] { w.number(v) }
                w.endArray()
                if let s = b.segmentation {
                    w.key("segmentation")
                    switch s {
                    case .polygons(let polygons):
                        w.beginArray()
                        for p in polygons { w.beginArray(); for v in p { w.number(v) }; w.endArray() }
                        w.endArray()
                    case .rle(let h, let wd, let counts):
                        w.beginObject(); w.key("size"); w.beginArray(); w.number(h); w.number(wd); w.endArray()
                        w.key("counts"); w.beginArray(); for c in counts { w.number(c) }; w.endArray(); w.endObject()
                    case .compressedRLE(let h, let wd, let counts):
                        w.beginObject(); w.key("size"); w.beginArray(); w.number(h); w.number(wd); w.endArray()
                        w.member("counts", counts); w.endObject()
                    }
                }
                w.endObject()
            }
            w.endArray()
        case .segmentation:
            if let mask = entry.mask { w.member("mask", mask) }
        }
        w.endObject()
        return w.string
    }

    /// The whole file's text.
    public func serialized() -> String {
        ([Self.headerLine(header)] + entries.map { Self.line($0, task: header.task) }).joined(separator: "\n") + "\n"
    }

    public func write(to url: URL) throws {
        try Data(serialized().utf8).write(to: url, options: .atomic)
    }
}
