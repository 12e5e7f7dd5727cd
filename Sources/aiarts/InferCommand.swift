import AIArtsEngine
import AIArtsImaging
import AIArtsRender
import AIArtsServer
import ArgumentParser
import Foundation

extension InferenceBackend: ExpressibleByArgument {}

/// `aiarts infer`: inference services (docs/inference.md).
struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Serve a model over HTTP: create, list, show, logs, predict, stop, rm (docs/inference.md).",
        subcommands: [Create.self, List.self, Show.self, Logs.self, Predict.self, Stop.self, Remove.self, RunService.self]
    )

    static func line(_ s: InferenceService) -> String {
        let place = s.url?.absoluteString ?? (s.port > 0 ? "\(s.host):\(s.port)" : s.host)
        return "\(s.id)  \(s.modelReference)  \(s.backend.rawValue)  \(s.state.rawValue)  \(place)"
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a service for a model (M0001, M0001:v2 or a name); it runs detached until `infer stop`.",
            discussion: "It loads the model once, warms it up and answers POST /predict and GET /health on 127.0.0.1. Without --wait it returns at once, starting.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Model id, id:version or name.") var model: String
        @Option(help: "TCP port (0: a free one).") var port = 0
        @Option(help: ArgumentHelp("GPU indices, e.g. 0,1 (default: CPU).", valueName: "LIST")) var gpus: String?
        @Option(name: .customLong("max-batch"), help: "Largest dynamic batch.") var maxBatch = 8
        @Option(name: .customLong("max-delay-ms"), help: "How long a request waits for others to batch with.") var maxDelayMs = 5
        @Option(help: "builtin, onnx or torchscript (default: what the version holds, in that order).") var backend: InferenceBackend?
        @Option(help: ArgumentHelp("The Python for the ONNX and TorchScript worker.", valueName: "PATH")) var python: String?
        @Flag(help: "Wait until it is ready (or failed).") var wait = false
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            var gpuList: [Int] = []
            if let gpus, !gpus.isEmpty {
                gpuList = try gpus.split(separator: ",").map {
                    guard let n = Int($0.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--gpus takes indices like 0,1 (got \(gpus))") }
                    return n
                }
            }
            var service = try workspace.createInferenceService(
                InferenceServiceSpec(model: model, port: port, gpus: gpuList, maxBatch: maxBatch, maxDelayMs: maxDelayMs, python: python),
                backend: backend)
            if wait { service = try workspace.waitForInferenceService(service.id, timeout: .seconds(300)) }
            if json { try Output.json(InferenceService.JSON(service)) } else { print(InferCommand.line(service)) }
            if wait && service.state != .ready {
                throw AIArtsError(.io, "\(service.id) \(service.state == .starting ? "is still starting after 300 s" : service.state.rawValue): \(service.message)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List inference services.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            let services = try workspace.inferenceServices()
            if json { return try Output.json(services.map(InferenceService.JSON.init)) }
            Output.table(["ID", "MODEL", "BACKEND", "STATE", "URL", "REQ/S", "P50", "P99", "MESSAGE"], services.map { s in
                let stats = s.state == .ready ? (try? workspace.inferenceServiceStats(s.id)) ?? nil : nil
                return [s.id, s.modelReference, s.backend.rawValue, s.state.rawValue, s.url?.absoluteString ?? "-",
                        stats.map { String(format: "%.1f", $0.requestsPerSecond) } ?? "-",
                        stats?.p50Ms.map { String(format: "%.1f ms", $0) } ?? "-", stats?.p99Ms.map { String(format: "%.1f ms", $0) } ?? "-",
                        s.state == .ready ? "" : s.message]
            })
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a service, with its stats.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Service id (S0001).") var id: String
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let workspace = try global.open()
            let s = try workspace.inferenceService(id)
            let stats = try workspace.inferenceServiceStats(s.id)
            if json {
                struct Shown: Encodable { let service: InferenceService.JSON; let stats: InferenceStats? }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                encoder.dateEncodingStrategy = .iso8601
                // The service's fields with `stats` beside them.
                var object = try JSONSerialization.jsonObject(with: encoder.encode(InferenceService.JSON(s))) as? [String: Any] ?? [:]
                object["stats"] = try stats.map { try JSONSerialization.jsonObject(with: encoder.encode($0)) } ?? NSNull()
                let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                FileHandle.standardOutput.write(JSONControls.escape(data) + Data("\n".utf8))
                return
            }
            print("\(s.id)  \(s.modelReference)  (\(s.backend.rawValue))")
            print("state:     \(s.state.rawValue)\(s.message == s.state.rawValue ? "" : " — \(s.message)")")
            print("url:       \(s.url?.absoluteString ?? "-")")
            print("device:    \(s.gpus.isEmpty ? "cpu" : "GPU \(s.gpus)")")
            print("batching:  up to \(s.maxBatch) requests or \(s.maxDelayMs) ms")
            print("pid:       \(s.pid.map(String.init) ?? "-")")
            print("created:   \(s.createdAt.formatted(.iso8601))")
            if let finished = s.finishedAt { print("finished:  \(finished.formatted(.iso8601))") }
            if let stats {
                print("requests:  \(stats.requests) (\(stats.errors) errors), \(String(format: "%.1f", stats.requestsPerSecond))/s over the last 10 s")
                print("latency:   p50 \(stats.p50Ms.map { String(format: "%.1f ms", $0) } ?? "-"), p99 \(stats.p99Ms.map { String(format: "%.1f ms", $0) } ?? "-")")
                let sizes = stats.batchSizes.sorted { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
                print("batches:   \(sizes.isEmpty ? "-" : sizes)")
                if let memory = stats.gpuMemoryMiB { print("GPU mem:   \(memory) MiB") }
            }
        }
    }

    struct Logs: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the end of a service's log.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Service id (S0001).") var id: String
        @Option(name: .shortAndLong, help: "Lines from the end.") var lines = 50

        func run() throws {
            for line in try global.open().inferenceServiceLog(id, lines: max(1, lines)) { print(line) }
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a service (SIGTERM: requests in flight are answered; SIGKILL after the grace).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Service id (S0001).") var id: String
        @Option(help: "Seconds to wait before SIGKILL.") var grace = 10

        func run() throws {
            let s = try global.open().stopInferenceService(id, grace: .seconds(max(0, grace)))
            print("\(s.id) \(s.message)")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove an ended service's record and folder.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Service id (S0001).") var id: String
        @Flag(help: "Stop it first when it runs.") var force = false

        func run() throws {
            let workspace = try global.open()
            let s = try workspace.inferenceService(id)
            try workspace.removeInferenceService(s.id, force: force)
            print("removed \(s.id)")
        }
    }

    struct Predict: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Predict images with a ready service; --out writes them drawn.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Service id (S0001).") var id: String
        @Argument(help: "Image files.") var images: [String]
        @Flag(help: "Print as JSON.") var json = false
        @Option(help: ArgumentHelp("Write each image with its prediction drawn into this folder.", valueName: "DIR")) var out: String?
        @Option(name: .customLong("score-threshold"), help: "Lowest box score shown (detection; default 0.5).") var scoreThreshold: Double?

        func run() throws {
            guard !images.isEmpty else { throw ValidationError("name at least one image") }
            let workspace = try global.open()
            let urls = images.map { URL(fileURLWithPath: $0) }
            let result = LockedResult()
            let done = DispatchSemaphore(value: 0)
            let threshold = scoreThreshold, serviceID = id
            Task {
                do { result.set(.success(try await workspace.predict(service: serviceID, images: urls, scoreThreshold: threshold))) } catch {
                    result.set(.failure(error))
                }
                done.signal()
            }
            done.wait()
            let predictions = try result.get()
            var drawn: [String?] = Array(repeating: nil, count: urls.count)
            if let out {
                let folder = URL(fileURLWithPath: out)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for (n, (url, p)) in zip(urls, predictions).enumerated() where p.error == nil {
                    let target = folder.appendingPathComponent(url.deletingPathExtension().lastPathComponent + ".jpg")
                    do {
                        try PredictionDrawings.draw(p, image: url, to: target)
                        drawn[n] = target.path
                    } catch {
                        Output.error("\(url.path): not drawn: \(error)")
                    }
                }
            }
            if json {
                struct Item: Encodable { let image: String; let drawn: String?; let prediction: Prediction }
                return try Output.json(zip(urls, predictions).enumerated().map { Item(image: $1.0.path, drawn: drawn[$0], prediction: $1.1) })
            }
            for (url, p) in zip(urls, predictions) { print("\(url.lastPathComponent): \(PredictionDrawings.summary(p))") }
            if predictions.allSatisfy({ $0.error != nil }) { throw ExitCode(1) }
        }
    }

    /// The service process itself, launched detached by `infer create`.
    struct RunService: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "run", abstract: "Run a service in this process (what `infer create` launches).",
                                                        shouldDisplay: false)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Service id (S0001).") var id: String

        func run() throws {
            let workspace = try global.open()
            let failure = LockedError()
            let done = DispatchSemaphore(value: 0)
            let serviceID = id
            Task {
                do { try await InferenceServiceRunner.run(workspace: workspace, id: serviceID) } catch { failure.set(error) }
                done.signal()
            }
            done.wait()
            if let error = failure.get() { throw error }
        }
    }
}

final class LockedResult: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<[Prediction], any Error> = .success([])
    func set(_ new: Result<[Prediction], any Error>) { lock.withLock { value = new } }
    func get() throws -> [Prediction] { try lock.withLock { value }.get() }
}

/// A prediction as one line, and drawn over its image.
enum PredictionDrawings {
    static func summary(_ p: Prediction) -> String {
        if let error = p.error { return "error: \(error)" }
        switch p.task {
        case "detection":
            guard !p.boxes.isEmpty else { return "no boxes" }
            return "\(p.boxes.count) box\(p.boxes.count == 1 ? "" : "es"): " + p.boxes.prefix(5).map {
                "\($0.label) \(String(format: "%.2f", $0.score)) [\($0.box.map { String(format: "%.0f", $0) }.joined(separator: ","))]"
            }.joined(separator: ", ") + (p.boxes.count > 5 ? ", …" : "")
        case "segmentation":
            let total = max(1, p.width * p.height)
            return p.masks.sorted { $0.pixels > $1.pixels }.map { "\($0.label) \(String(format: "%.1f%%", 100 * Double($0.pixels) / Double(total)))" }
                .joined(separator: ", ")
        default:
            return p.classes.prefix(3).map { "\($0.label) \(String(format: "%.2f", $0.score))" }.joined(separator: ", ")
        }
    }

    static func draw(_ p: Prediction, image: URL, to target: URL) throws {
        let boxes = p.boxes.map { b in
            PredictedBox(label: b.label, score: b.score, x: b.box[0], y: b.box[1], width: b.box[2] - b.box[0], height: b.box[3] - b.box[1],
                         classIndex: b.index ?? 0)
        }
        var mask: IndexedImage?
        if !p.masks.isEmpty, p.width > 0, p.height > 0 {
            var values = [UInt8](repeating: 0, count: p.width * p.height)
            for m in p.masks where m.index > 0 {
                var at = 0
                for (n, count) in m.rle.counts.enumerated() {
                    if n % 2 == 1 {
                        for i in at..<min(at + count, values.count) { values[(i % p.height) * p.width + i / p.height] = UInt8(clamping: m.index) }
                    }
                    at += count
                }
            }
            mask = IndexedImage(width: p.width, height: p.height, values: values)
        }
        let top = p.classes.isEmpty ? nil : p.classes.prefix(3).map { ScoredLabel(label: $0.label, score: $0.score) }
        _ = try PredictionDrawing.drawFile(image.path, to: target.path, boxes: boxes, mask: mask, topLabels: top)
    }
}
