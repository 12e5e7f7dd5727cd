import AIArtsImaging
import Foundation

/// What a trainer predicted for one image, as `task predict` keeps it.
public struct ImagePrediction: Codable, Sendable, Equatable {
    public struct Label: Codable, Sendable, Equatable {
        public var label: String
        public var score: Double
    }
    public struct Box: Codable, Sendable, Equatable {
        public var label: String
        public var score: Double
        /// x, y, width, height in the image's pixels.
        public var bbox: [Double]
    }
    /// A segmentation's class and the share of the image's pixels predicted as it (0...1).
    public struct ClassShare: Codable, Sendable, Equatable {
        public var label: String
        public var share: Double
    }
    public var file: String
    public var labels: [Label]
    public var boxes: [Box]
    /// Segmentation: the classes predicted, largest share first; nil for other tasks.
    public var classes: [ClassShare]? = nil
    /// The JPEG with the prediction drawn on it, when one was written.
    public var drawn: String?
    public var error: String?
}

/// The result of `task predict`: where the predictions went, and each image's.
public struct TaskPredictions: Codable, Sendable, Equatable {
    public var task: String
    public var epoch: Int?
    public var folder: String
    public var images: [ImagePrediction]
}

/// The result of `task export`: the files made, the check that they load again, the model entry.
public struct TaskExport: Encodable, Sendable {
    public var task: String
    public var epoch: Int?
    public var folder: String
    public var files: [String]
    /// What loading the export back and predicting one image gave.
    public var check: String
    public var model: RegisteredVersion
}

extension Workspace {
    /// The score a detection needs to be kept by `task predict` when none is given.
    public static let defaultScoreThreshold = 0.5

    /// Predicts with a saved checkpoint (`epoch`, default the best) on image files, or on every
    /// image of a split of the project's dataset. Results go to tasks/Txxxx/predict/<run>/:
    /// predictions.json and, per image, a JPEG with the prediction drawn. Detections scoring
    /// below `scoreThreshold` (0...1) are left out; classification keeps its top `topk`.
    public func predictTask(_ id: String, epoch: Int? = nil, images: [URL] = [], split: Split? = nil,
                            topk: Int = 3, scoreThreshold: Double = Workspace.defaultScoreThreshold) throws -> TaskPredictions {
        guard scoreThreshold.isFinite, (0...1).contains(scoreThreshold) else {
            throw AIArtsError(.invalidArgument, "the score threshold must be a number from 0 to 1 (got \(scoreThreshold)); e.g. 0.2 shows a weak model's boxes")
        }
        let record = try task(id)
        try requireWritable("prediction writes into \(id)'s folder")
        var files = images
        if let split {
            guard let dataset = try taskDatasetID(record) else {
                throw AIArtsError(.invalidArgument, "project \(record.projectId) has no dataset, so there is no \(split.rawValue) split")
            }
            let (content, folder) = try self.content(dataset)
            files += content.samples.filter { $0.split == split }.map { folder.appendingPathComponent($0.path) }
        }
        guard !files.isEmpty else { throw AIArtsError(.invalidArgument, "name images to predict, or a split") }
        let checkpoint = try taskCheckpoint(id, epoch: epoch)
        let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withFullDate, .withTime])
        let out = taskFolder(id).appendingPathComponent("predict/epoch_\(checkpoint.epoch.map(String.init) ?? "last")-\(stamp)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        var predictions: [ImagePrediction]
        switch TaskTrainer(rawValue: record.trainer) {
        case .aiartsTrain:
            predictions = try builtInPredictions(checkpoint: checkpoint.url, images: files, topk: topk, folder: taskFolder(id))
        case .torch:
            let python = python(params: TaskParams.decode(record.params)).path
            try ensureTorchFolder(taskFolder(id), datasetID: try taskDatasetID(record), python: python)
            predictions = try torchPredictions(checkpoint: checkpoint.url, images: files, topk: topk, scoreThreshold: scoreThreshold,
                                               out: out, folder: taskFolder(id), python: python)
        case .command, nil:
            throw AIArtsError(.invalidArgument, "\(id) is a command task: aiarts cannot run its model; its script predicts on its own")
        }
        for i in predictions.indices where predictions[i].error == nil && predictions[i].drawn == nil {
            predictions[i].drawn = PredictionPicture.draw(predictions[i], into: out, index: i)
        }
        let result = TaskPredictions(task: id, epoch: checkpoint.epoch, folder: out.path, images: predictions)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(result).write(to: out.appendingPathComponent("predictions.json"), options: .atomic)
        return result
    }

    private func builtInPredictions(checkpoint: URL, images: [URL], topk: Int, folder: URL) throws -> [ImagePrediction] {
        guard let trainer = TaskLaunchPlan.locateBuiltInTrainer() else {
            throw AIArtsError(.notFound, "the built-in trainer `aiarts-train` was not found next to aiarts or on PATH")
        }
        struct Output: Decodable {
            struct Score: Decodable { var label: String; var probability: Double }
            var path: String
            var top: [Score]
            var error: String?
        }
        let data = try ChildRun.run(trainer, ["predict", "--checkpoint", checkpoint.path, "--top-k", String(max(1, topk)), "--json", "--"]
                                    + images.map(\.path), workingDirectory: folder, what: "aiarts-train predict")
        let decoded: [Output]
        do { decoded = try JSONDecoder().decode([Output].self, from: data) } catch {
            throw AIArtsError(.badInput, "aiarts-train predict printed something that is not its JSON: \(error)")
        }
        return decoded.map { o in
            ImagePrediction(file: o.path, labels: o.top.map { .init(label: $0.label, score: $0.probability) }, boxes: [],
                            drawn: nil, error: o.error)
        }
    }

    /// The torch script's predict: a JSON file and a drawn JPEG per image in `out`.
    private func torchPredictions(checkpoint: URL, images: [URL], topk: Int, scoreThreshold: Double, out: URL, folder: URL,
                                  python: String) throws -> [ImagePrediction] {
        try ChildRun.run(python, [folder.appendingPathComponent(TorchTrainer.scriptFileName).path, "predict",
                                     "--checkpoint", checkpoint.path, "--out", out.path, "--top-k", String(max(1, topk)),
                                     "--score-threshold", String(scoreThreshold), "--"]
                         + images.map(\.path), workingDirectory: folder, what: "the torch trainer's predict")
        struct Output: Decodable {
            var image: String
            var labels: [ImagePrediction.Label]?
            var boxes: [ImagePrediction.Box]?
            var drawn: String?
            /// Segmentation: label -> share of the pixels.
            var classes: [String: Double]?
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: out.path))?.filter { $0.hasSuffix(".json") }.sorted() ?? []
        var byImage: [String: ImagePrediction] = [:]
        for name in names {
            guard let data = try? Data(contentsOf: out.appendingPathComponent(name)),
                  let o = try? JSONDecoder().decode(Output.self, from: data) else { continue }
            byImage[o.image] = ImagePrediction(file: o.image, labels: o.labels ?? [], boxes: o.boxes ?? [],
                                               classes: o.classes.map(Self.classShares),
                                               drawn: o.drawn.map { out.appendingPathComponent($0).path }, error: nil)
        }
        return images.map { url in
            byImage[url.standardizedFileURL.path] ?? ImagePrediction(file: url.path, labels: [], boxes: [], drawn: nil,
                                                                      error: "no prediction (see the trainer's messages)")
        }
    }

    /// A segmentation's classes, largest share first (then by name), shares clamped to 0...1.
    static func classShares(_ shares: [String: Double]) -> [ImagePrediction.ClassShare] {
        shares.filter { $0.value.isFinite && $0.value > 0 }
            .map { ImagePrediction.ClassShare(label: $0.key, share: min(1, $0.value)) }
            .sorted { $0.share != $1.share ? $0.share > $1.share : $0.label < $1.label }
    }

    /// Exports the model of a checkpoint (`epoch`, default the best) for inference, loads the
    /// export back and predicts one image with it, and registers it as an exported model.
    /// aiarts-train's inference model is its model.bin (weights, labels, image size, normalisation).
    public func exportTask(_ id: String, epoch: Int? = nil, name: String? = nil) throws -> TaskExport {
        let record = try task(id)
        try requireWritable("export writes into \(id)'s folder and the model registry")
        let checkpoint = try taskCheckpoint(id, epoch: epoch)
        let label = checkpoint.epoch.map { "epoch_\($0)" } ?? "last"
        let out = taskFolder(id).appendingPathComponent("export/\(label)")
        let files: [URL]
        let check: String
        switch TaskTrainer(rawValue: record.trainer) {
        case .aiartsTrain:
            let model = checkpoint.url.appendingPathComponent("model.bin")
            guard FileManager.default.fileExists(atPath: model.path) else {
                throw AIArtsError(.notFound, "\(checkpoint.url.path) holds no model.bin")
            }
            let staging = out.deletingLastPathComponent().appendingPathComponent(".\(label).partial")
            try? FileManager.default.removeItem(at: staging)
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: model, to: staging.appendingPathComponent("model.bin"))
            try? FileManager.default.removeItem(at: out)
            try FileManager.default.moveItem(at: staging, to: out)
            files = [out.appendingPathComponent("model.bin")]
            check = try checkBuiltInExport(files[0], task: record)
        case .torch:
            let folder = taskFolder(id)
            let python = python(params: TaskParams.decode(record.params)).path
            try ensureTorchFolder(folder, datasetID: try taskDatasetID(record), python: python)
            var arguments = [folder.appendingPathComponent(TorchTrainer.scriptFileName).path, "export",
                             "--checkpoint", checkpoint.url.path, "--out", out.path, "--format", "both"]
            if let image = try sampleImage(for: record) { arguments += ["--image", image.path] }
            try? FileManager.default.removeItem(at: out)
            try ChildRun.run(python, arguments, workingDirectory: folder, what: "the torch trainer's export")
            struct Report: Decodable { var files: [String: String]; var ok: Bool }
            guard let data = try? Data(contentsOf: out.appendingPathComponent("export.json")),
                  let report = try? JSONDecoder().decode(Report.self, from: data), report.ok, !report.files.isEmpty else {
                throw AIArtsError(.badInput, "the torch export in \(out.path) did not load back (see export.json)")
            }
            files = report.files.values.sorted().map { out.appendingPathComponent($0) } + [out.appendingPathComponent("export.json")]
            check = "loaded back and predicted: " + report.files.keys.sorted().joined(separator: ", ")
        case .command, nil:
            throw AIArtsError(.invalidArgument, "\(id) is a command task: aiarts does not know how to export its model; register a file with `aiarts model upload PATH`")
        }
        let registered = try registerModel(fromTask: id, epoch: checkpoint.epoch, name: name, kind: .exported, files: files,
                                           format: record.trainer == TaskTrainer.aiartsTrain.rawValue ? "aiarts-train" : nil)
        return TaskExport(task: id, epoch: checkpoint.epoch, folder: out.path, files: files.map(\.path), check: check, model: registered)
    }

    /// An image of the task's dataset to check an export with (val first).
    private func sampleImage(for task: TaskRecord) throws -> URL? {
        guard let dataset = try taskDatasetID(task) else { return nil }
        let (content, folder) = try self.content(dataset)
        guard let sample = content.samples.first(where: { $0.split == .val }) ?? content.samples.first else { return nil }
        return folder.appendingPathComponent(sample.path)
    }

    /// Loads an exported aiarts-train model and classifies one image of the dataset with it.
    private func checkBuiltInExport(_ model: URL, task: TaskRecord) throws -> String {
        guard let image = try sampleImage(for: task) else { return "not checked: the task's dataset has no images" }
        let result = try builtInPredictions(checkpoint: model, images: [image], topk: 1, folder: model.deletingLastPathComponent())
        guard let first = result.first, first.error == nil, let top = first.labels.first else {
            throw AIArtsError(.badInput, "the export at \(model.path) did not load back: \(result.first?.error ?? "no prediction")")
        }
        return "loaded and predicted \(image.lastPathComponent): \(top.label) \(String(format: "%.3f", top.score))"
    }
}

/// Draws a prediction onto its image, for people to look at: the top classes in a corner tag,
/// boxes with their label and score (AIArtsImaging's PredictionDrawing).
enum PredictionPicture {
    /// The JPEG written (`<index>_<name>.jpg` in `folder`), or nil when the image could not be read;
    /// the prediction itself is kept either way.
    static func draw(_ prediction: ImagePrediction, into folder: URL, index: Int) -> String? {
        let source = URL(fileURLWithPath: prediction.file)
        let name = String(format: "%04d_", index) + source.deletingPathExtension().lastPathComponent + ".jpg"
        let target = folder.appendingPathComponent(name)
        let boxes = prediction.boxes.compactMap { box -> PredictedBox? in
            guard box.bbox.count == 4 else { return nil }
            return PredictedBox(label: box.label, score: box.score, x: box.bbox[0], y: box.bbox[1], width: box.bbox[2],
                                height: box.bbox[3], classIndex: classIndex(box.label))
        }
        let top = prediction.labels.isEmpty ? nil : prediction.labels.map { ScoredLabel(label: $0.label, score: $0.score) }
        do {
            _ = try PredictionDrawing.drawFile(source.path, to: target.path, boxes: boxes, topLabels: top)
            return target.path
        } catch {
            return nil
        }
    }

    /// A colour per label name that stays the same from one image to the next (FNV-1a of the name).
    static func classIndex(_ label: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in label.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return Int(hash % 20)
    }
}
