import AIArtsImaging
import AIArtsRender
import AIArtsText
import Foundation
// Internal parsers (ImageProbe, YOLO's YAML subset, RLE's IoU) are reached as the tests reach
// them, in debug builds (where SwiftPM enables testability; scripts/fuzz.sh builds debug). A
// release build (scripts/demo.sh builds every product) compiles without those calls.
#if DEBUG
@testable import AIArtsEngine
#else
import AIArtsEngine
#endif

/// One parser of untrusted input and the glue that feeds it one input.
struct FuzzTarget: Sendable {
    let name: String
    /// Where the glue writes inputs that the parser reads from disk.
    let run: @Sendable (_ input: [UInt8], _ scratch: Scratch) -> Void
}

/// A folder private to this process, for parsers that read files and folders.
final class Scratch: Sendable {
    let url: URL
    /// A small valid image that dataset files can point at.
    let jpeg: [UInt8]

    init() {
        url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("aiarts-fuzz-\(getpid())")
        try? FileManager.default.removeItem(at: url)
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        jpeg = try! ImageCodec.encodeJPEG(RGBImage(width: 32, height: 24, pixels: [UInt8](repeating: 128, count: 32 * 24 * 3)))
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `files` (relative path → bytes) into a fresh folder and returns it.
    func folder(_ name: String, _ files: [String: [UInt8]]) -> URL {
        let root = url.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: root)
        for (path, bytes) in files {
            let file = root.appendingPathComponent(path)
            try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: file.path, contents: Data(bytes))
        }
        return root
    }

    func file(_ name: String, _ bytes: [UInt8]) -> URL {
        let file = url.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: file.path, contents: Data(bytes))
        return file
    }
}

enum Targets {
    static let all: [FuzzTarget] = [
        log("paddlex", .paddleX, PaddleXLogParser(), also: splitRead),
        log("paddledet", .paddleDetection, PaddleDetectionLogParser()),
        log("paddleseg", .paddleSeg, PaddleSegLogParser()),
        log("paddleclas", .paddleClas, PaddleClasLogParser()),
        log("keras", .keras, KerasProgressParser()),
        log("hf", .huggingFace, HuggingFaceLogParser()),
        log("kv", .keyValue, KeyValueLogParser()),
        FuzzTarget(name: "csv") { input, scratch in
            var parser = CSVMetricsParser()
            exercise(lines(input).reduce(into: MetricTable()) { $0.append(contentsOf: parser.feed($1)) })
            source(scratch.file("metrics.csv", input), .csv(nil))
        },
        FuzzTarget(name: "detect") { input, scratch in
            _ = LogFormatDetector.detect(lines: lines(input))
            source(scratch.file("train.log", input), .log(nil))
            _ = MetricSourceKind.sniff(path: scratch.url.appendingPathComponent("train.log").path)
        },
        FuzzTarget(name: "protocol") { input, scratch in source(scratch.file("metrics.jsonl", input), .protocolLines) },
        FuzzTarget(name: "tfevents") { input, scratch in
            var reader = TFEventsReader()
            _ = reader.consume(input)
            var decoder = TFEventDecoder()
            _ = decoder.decode(input)
            source(scratch.file("events.out.tfevents.1.host", input), .tfevents)
        },
        FuzzTarget(name: "trainerstate") { input, scratch in
            _ = try? TrainerStateReader.read(input)
            source(scratch.file("trainer_state.json", input), .trainerState)
        },
        FuzzTarget(name: "json") { input, _ in
            if let document = try? JSONDocument(bytes: input) { walk(document.root, depth: 0) }
            _ = try? JSONValue.parse(String(decoding: input, as: UTF8.self))
        },
        FuzzTarget(name: "coco") { input, scratch in
            let root = scratch.folder("coco", ["annotations/instances_train.json": input, "train/a.jpg": scratch.jpeg, "images/a.jpg": scratch.jpeg])
            for type in [DatasetType.detection, .instanceSegmentation] { _ = try? COCOParser().parse(root: root, type: type) }
        },
        FuzzTarget(name: "labelme") { input, scratch in
            let root = scratch.folder("labelme", ["a.json": input, "a.jpg": scratch.jpeg])
            // Embedded imageData is decoded and written out, as an import by copying does.
            let embedded = scratch.url.appendingPathComponent("labelme-embedded")
            try? FileManager.default.removeItem(at: embedded)
            for type in [DatasetType.detection, .instanceSegmentation, .segmentation] {
                _ = try? LabelmeParser(embeddedImages: embedded).parse(root: root, type: type)
            }
        },
        FuzzTarget(name: "xml") { input, _ in _ = try? XML.parse(Data(input)) },
        FuzzTarget(name: "preprocess-op") { input, _ in PreprocessFuzz.run(input) },
        FuzzTarget(name: "onnx") { input, scratch in modelProtobuf(input, scratch) },
        FuzzTarget(name: "http") { input, _ in ServerFuzz.run(input) },
        FuzzTarget(name: "escapes") { input, _ in
            // The one reading of escape sequences, under each of its callers: nothing a terminal obeys may
            // come out (TerminalText keeps tabs; the others turn them into spaces).
            let text = String(decoding: input, as: UTF8.self)
            func safe(_ out: String, tabs: Bool) -> Bool {
                !out.unicodeScalars.contains { EscapeSequences.isControl($0) && !(tabs && $0 == "\t") }
            }
            precondition(safe(TerminalText.finalRedraw(text), tabs: true), "TerminalText let a control through")
            precondition(safe(Sanitize.line(text), tabs: false), "Sanitize.line let a control through")
            precondition(!Sanitize.text(text).unicodeScalars.contains { EscapeSequences.isControl($0) && $0 != "\n" },
                         "Sanitize.text let a control through")
            #if DEBUG
            precondition(safe(GPUProcessOwners.stripControls(text), tabs: false), "a command line kept a control")
            #endif
        },
        FuzzTarget(name: "voc") { input, scratch in
            let root = scratch.folder("voc", ["Annotations/a.xml": input, "JPEGImages/a.jpg": scratch.jpeg])
            _ = try? VOCParser().parse(root: root, type: .detection)
        },
        FuzzTarget(name: "voc-imagesets") { input, scratch in
            // The input as a split list, a per-class list and trainval beside one annotated and one bare image.
            for name in ["train.txt", "dog_train.txt", "trainval.txt"] {
                let root = scratch.folder("voc", ["Annotations/a.xml": Array("<annotation><filename>a.jpg</filename></annotation>".utf8),
                                                  "JPEGImages/a.jpg": scratch.jpeg, "JPEGImages/b.jpg": scratch.jpeg,
                                                  "ImageSets/Main/" + name: input])
                _ = try? VOCParser().parse(root: root, type: .detection)
            }
        },
        FuzzTarget(name: "voc-labelimg") { input, scratch in
            let root = scratch.folder("labelimg", ["train/a.xml": input, "train/a.jpg": scratch.jpeg, "train/b.jpg": scratch.jpeg])
            _ = try? VOCParser().parse(root: root, type: .detection)
            #if DEBUG
            _ = FormatSignature.startsAsVOC(root.appendingPathComponent("train/a.xml"))
            #endif
        },
        FuzzTarget(name: "seg-classnames") { input, scratch in
            let root = scratch.folder("labelme2voc", ["class_names.txt": input, "JPEGImages/a.jpg": scratch.jpeg,
                                                       "SegmentationClassPNG/a.png": scratch.jpeg])
            _ = try? SegmentationParser().parse(root: root, type: .segmentation)
        },
        FuzzTarget(name: "yolo-txt") { input, scratch in
            let root = scratch.folder("yolo", ["classes.txt": Array("cat\ndog\n".utf8), "images/a.jpg": scratch.jpeg, "labels/a.txt": input])
            for type in [DatasetType.detection, .instanceSegmentation] { _ = try? YOLOParser().parse(root: root, type: type) }
            // Pose rows against kpt_shape, and rows whose classes have no names.
            let pose = scratch.folder("yolo-pose", ["data.yaml": Array("train: images\nkpt_shape: [2, 3]\nnames: [cat, dog]\n".utf8),
                                                    "images/a.jpg": scratch.jpeg, "labels/a.txt": input])
            _ = try? YOLOParser().parse(root: pose, type: .detection)
            let unnamed = scratch.folder("yolo-unnamed", ["train/images/a.jpg": scratch.jpeg, "train/labels/a.txt": input])
            _ = try? YOLOParser().parse(root: unnamed, type: .detection)
        },
        FuzzTarget(name: "yolo-darknet") { input, scratch in
            // The input as obj.data, then as the train.txt list of a CVAT "YOLO 1.1" export.
            let files: [String: [UInt8]] = ["obj.names": Array("cat\ndog\n".utf8), "obj_train_data/a.jpg": scratch.jpeg,
                                            "obj_train_data/a.txt": Array("0 0.5 0.5 0.2 0.2\n".utf8)]
            let asData = scratch.folder("darknet", files.merging(["obj.data": input, "train.txt": Array("data/obj_train_data/a.jpg\n".utf8)]) { $1 })
            _ = try? YOLOParser().parse(root: asData, type: .detection)
            let cvat = "classes = 2\ntrain = data/train.txt\nnames = data/obj.names\nbackup = backup/\n"
            let asList = scratch.folder("darknet", files.merging(["obj.data": Array(cvat.utf8), "train.txt": input]) { $1 })
            _ = try? YOLOParser().parse(root: asList, type: .detection)
        },
        FuzzTarget(name: "yolo-yaml") { input, scratch in
            #if DEBUG
            _ = try? YOLOYAML.parse(String(decoding: input, as: UTF8.self))
            #endif
            let root = scratch.folder("yolo", ["data.yaml": input, "images/train/a.jpg": scratch.jpeg, "labels/train/a.txt": Array("0 0.5 0.5 0.2 0.2\n".utf8)])
            _ = try? YOLOParser().parse(root: root, type: .detection)
        },
        archive("zip"),
        archive("tar"),
        FuzzTarget(name: "image") { input, scratch in
            _ = try? ImageCodec.info(input)
            _ = try? ImageCodec.check(input)
            _ = try? ImageCodec.decode(input)
            #if DEBUG
            let file = scratch.file("probe.img", input)
            for verification in ImageVerification.allCases { _ = try? ImageProbe.probe(file, verification: verification) }
            _ = try? ImageProbe.probeMask(file)
            #endif
        },
        FuzzTarget(name: "webp") { input, _ in
            // The container tags are put back, so mutations reach libwebp's chunk and bitstream
            // parsers instead of stopping at format sniffing (the RIFF size stays mutated).
            var bytes = input
            if bytes.count >= 12 {
                bytes.replaceSubrange(0..<4, with: Array("RIFF".utf8))
                bytes.replaceSubrange(8..<12, with: Array("WEBP".utf8))
            }
            _ = try? ImageCodec.info(bytes)
            _ = try? ImageCodec.check(bytes)
            _ = try? ImageCodec.decode(bytes)
            _ = try? ImageCodec.decode(bytes, options: DecodeOptions(keepAlpha: false))
            _ = try? ImageCodec.decode(bytes, options: DecodeOptions(scale: .quarter))
            _ = try? ImageCodec.decode(bytes, fitting: ImageSize(width: 7, height: 5))
        },
        FuzzTarget(name: "predictions") { input, _ in
            guard let file = try? PredictionsFile.parse(input) else { return }
            // Evaluation draws each segmentation at its image's size and compares the masks.
            for entry in file.entries {
                for box in entry.boxes {
                    guard let segmentation = box.segmentation, let mask = try? RLE(segmentation, height: 24, width: 32) else { continue }
                    #if DEBUG
                    _ = RLE.iou(mask, mask, crowd: false)
                    #endif
                    _ = mask.area
                }
            }
        },
        FuzzTarget(name: "predict-run") { input, scratch in
            // A task's predict/<run>/predictions.json, as `latestPrediction` reads it for the UI.
            guard let (workspace, task) = predictWorkspace(scratch) else { return }
            let run = workspace.taskFolder(task).appendingPathComponent("predict/epoch_1-fuzz")
            try? FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: run.appendingPathComponent("predictions.json").path, contents: Data(input))
            if let latest = try? workspace.latestPrediction(task) { _ = latest.firstPredicted?.labels.first?.label }
        },
        FuzzTarget(name: "review-decision") { input, _ in
            // Decision words as `review decide` takes them, against labels that include odd ones.
            let words = String(decoding: input, as: UTF8.self).split(whereSeparator: \.isWhitespace).map(String.init)
            _ = try? ReviewDecision(parsing: words, labels: ["cat", "Dog", "0", "狗", ""])
            _ = try? ReviewFilterStatus(parsing: words.first ?? "")
            _ = try? Split(parsing: words.first ?? "")
        },
    ]

    /// One workspace with one task per fuzzing process, for targets that read a task's files.
    nonisolated(unsafe) private static var predictTarget: (Workspace, String)?
    private static func predictWorkspace(_ scratch: Scratch) -> (Workspace, String)? {
        if let predictTarget { return predictTarget }
        let root = scratch.url.appendingPathComponent("workspace")
        guard let workspace = try? Workspace(root: root, gpuProbe: .none),
              let project = try? workspace.createProject(name: "fuzz", type: .classification),
              let task = try? workspace.createTask(TaskSpec(projectID: project.id, origin: .trainer(.command), params: ["command": "true"]))
        else { return nil }
        predictTarget = (workspace, task.id)
        return predictTarget
    }

    /// Not listed: checks the harness itself (an input "CRASH…" traps, "HANG…" never returns).
    static let selftest = FuzzTarget(name: "selftest") { input, _ in
        if input.starts(with: Array("CRASH".utf8)) { _ = Int.max + Int(input.count) }
        if input.starts(with: Array("HANG".utf8)) { while true { usleep(10_000) } }
    }

    /// The in-memory parser, then the same bytes as a file through `MetricSourceReader` (with
    /// the PaddleX fast scanner where it applies), and what the CLI and UI do with the table.
    static func log(_ name: String, _ format: LogFormat, _ fresh: some LogMetricParser,
                    also: (@Sendable (URL) -> Void)? = nil) -> FuzzTarget {
        FuzzTarget(name: name) { input, scratch in
            var parser = fresh
            exercise(lines(input).reduce(into: MetricTable()) { $0.append(contentsOf: parser.feed($1)) })
            let file = scratch.file("train.log", input)
            source(file, .log(format))
            also?(file)
        }
    }

    /// The same PaddleX log read in two parts (`PaddleXSplitRead`, forced on however small the
    /// file) and in one pass must give the same table: a difference traps, as a crash would.
    @Sendable static func splitRead(_ file: URL) {
        #if DEBUG
        var single = MetricSourceReader(path: file.path, kind: .log(.paddleX)), split = single
        single.splitBytes = .max
        split.splitBytes = 1
        guard (try? single.update()) != nil, (try? split.update()) != nil else { return }
        let a = single.table, b = split.table
        precondition(a.names == b.names && "\(a.checkpoints)" == "\(b.checkpoints)" && single.lines == split.lines
                     && single.skipped == split.skipped, "a split read differs from one pass")
        for name in a.names {
            let p = a[name]!.points, q = b[name]!.points
            precondition(p.count == q.count && zip(p, q).allSatisfy { x, y in
                x.step == y.step && x.epoch == y.epoch && x.wallTime == y.wallTime && x.value.bitPattern == y.value.bitPattern
            }, "a split read differs from one pass in \(name)")
        }
        #endif
    }

    static func source(_ file: URL, _ kind: MetricSourceKind) {
        var reader = MetricSourceReader(path: file.path, kind: kind)
        _ = try? reader.update()
        reader.finish()
        _ = reader.skipped
        exercise(reader.table)
    }

    static func lines(_ input: [UInt8]) -> [String] {
        input.split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
    }

    /// What `task metrics`, `log parse --json` and the curves pane compute from a table.
    static func exercise(_ table: MetricTable) {
        _ = table.progress.current
        var json: [UInt8] = []
        table.writeJSON { json.append(contentsOf: $0) }
        for column in table.columns {
            let xs = (0..<column.count).map { column.step(at: $0).map(Double.init) ?? column.epoch(at: $0) ?? .nan }
            // What the curves pane draws (AIArtsRender's reduction and smoothing).
            let range = ChartReduction.xRange(xs) ?? 0...1
            let reduced = ChartReduction.reduce(xs: xs, ys: column.values, columns: 40, x0: range.lowerBound, x1: range.upperBound)
            _ = ChartReduction.reduce(xs: column.times, ys: column.values, columns: 7, x0: 0, x1: 1e10)
            _ = ChartReduction.robustRange([reduced])
            _ = ChartSmoothing.ema(column.values, weight: 0.6)
        }
    }

    static func walk(_ json: JSON, depth: Int) {
        guard depth < 64 else { return }
        _ = (json.double, json.int, json.string, json.bool)
        for element in json.elements { walk(element, depth: depth + 1) }
        for (_, value) in json.members { walk(value, depth: depth + 1) }
    }

    /// Extraction into a fresh folder; anything that lands outside it is a path escape.
    static func archive(_ name: String) -> FuzzTarget {
        FuzzTarget(name: name) { input, scratch in
            let box = scratch.folder("archive", [:])
            try? FileManager.default.createDirectory(at: box, withIntermediateDirectories: true)
            let file = box.appendingPathComponent("input.\(name)")
            _ = FileManager.default.createFile(atPath: file.path, contents: Data(input))
            let out = box.appendingPathComponent("out")
            let limits = ArchiveExtractor.Limits(maxEntries: 1000, maxTotalBytes: 16 << 20)
            _ = try? ArchiveExtractor.extract(file, into: out, limits: limits)
            let left = Set((try? FileManager.default.contentsOfDirectory(atPath: box.path)) ?? [])
            if !left.subtracting(["input.\(name)", "out"]).isEmpty {
                fatalError("archive wrote outside its destination: \(left.sorted())")
            }
        }
    }
}

extension Targets {
    /// The model job's protobuf readers (ONNX, TensorFlow SavedModel and GraphDef, Paddle programs) on
    /// the bytes, then extraction of them as a .onnx file and in a SavedModel folder.
    static func modelProtobuf(_ input: [UInt8], _ scratch: Scratch) {
        #if DEBUG
        _ = try? ONNXReader.read(input)
        input.withUnsafeBytes { buffer in
            var artifact = ModelArtifact(path: "", format: "", size: Int64(input.count))
            try? TensorFlowReader.savedModel(buffer, into: &artifact)
            try? TensorFlowReader.graphDef(buffer, into: &artifact)
            try? PaddleReader.program(buffer, into: &artifact)
        }
        #endif
        _ = try? ModelInspector.inspect(scratch.file("model.onnx", input))
        _ = try? ModelInspector.inspect(scratch.folder("savedmodel", ["saved_model.pb": input, "variables/variables.index": []]))
    }
}
