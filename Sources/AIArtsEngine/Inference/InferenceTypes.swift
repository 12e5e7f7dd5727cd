import Foundation
import GRDB

/// How a service runs its model: the built-in trainer's network natively in Swift, or an exported
/// file through the Python worker (onnxruntime or torch).
public enum InferenceBackend: String, Codable, Sendable, CaseIterable {
    case builtin, onnx, torchscript
}

/// A service's life: `starting` (launched, loading and warming up), `ready` (answering on its port),
/// `failed` (ended or could not start; `message` says why), `stopped` (asked to stop).
public enum InferenceServiceState: String, Codable, Sendable, CaseIterable {
    case starting, ready, failed, stopped

    /// Whether a process may still run for it.
    public var hasProcess: Bool { self == .starting || self == .ready }
}

/// What `createInferenceService` is asked for.
public struct InferenceServiceSpec: Sendable, Equatable {
    /// "M0001", "M0001:v2" or a model's name (its newest version).
    public var model: String
    /// 0: a free port, chosen by the service when it binds.
    public var port: Int
    /// GPU indices the service may use (CUDA_VISIBLE_DEVICES); empty: CPU.
    public var gpus: [Int]
    /// Largest batch the dynamic batcher forms.
    public var maxBatch: Int
    /// How long the first request of a batch waits for others.
    public var maxDelayMs: Int
    /// A Python interpreter for this service (the ONNX and TorchScript backends), else the workspace's choice.
    public var python: String?

    public init(model: String, port: Int = 0, gpus: [Int] = [], maxBatch: Int = 8, maxDelayMs: Int = 5, python: String? = nil) {
        self.model = model
        self.port = port
        self.gpus = gpus
        self.maxBatch = maxBatch
        self.maxDelayMs = maxDelayMs
        self.python = python
    }
}

/// A served model version and its process. As JSON: snake_case keys, times RFC 3339, null rather
/// than absent; `url` once it is ready.
public struct InferenceService: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "inferenceService"
    /// "S0001".
    public var id: String
    public var modelId: String
    public var modelVersion: Int
    public var backend: InferenceBackend
    public var host: String
    /// The asked port while starting (0: any); the bound one once ready.
    public var port: Int
    /// "0,1"; empty: CPU.
    public var gpus: String
    public var maxBatch: Int
    public var maxDelayMs: Int
    public var state: InferenceServiceState
    /// The one-line reason of a failure, else a short note ("loading", "ready", "stopped").
    public var message: String
    public var pid: Int32?
    /// The process's start time in clock ticks since boot (its identity with the pid).
    public var startTime: Int64?
    public var stopRequested: Bool
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?

    /// The launched process, when there is one.
    public var identity: ProcessIdentity? {
        guard let pid, let startTime, startTime >= 0 else { return nil }
        return ProcessIdentity(pid: pid, startTime: UInt64(startTime))
    }

    /// http://host:port once the service answers.
    public var url: URL? {
        state == .ready && port > 0 ? URL(string: "http://\(host):\(port)") : nil
    }

    /// "M0001:v2".
    public var modelReference: String { "\(modelId):v\(modelVersion)" }

    public var gpuList: [Int] { gpus.split(separator: ",").compactMap { Int($0) } }
}

extension InferenceService {
    enum JSONKey: String, CodingKey {
        case id, model, version, backend, host, port, gpus, url, state, message, pid
        case maxBatch = "max_batch", maxDelayMs = "max_delay_ms", createdAt = "created_at", startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    /// The service as `--json` and the HTTP dialects print it.
    public struct JSON: Encodable, Sendable {
        public let service: InferenceService
        public init(_ service: InferenceService) { self.service = service }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: JSONKey.self)
            let s = service
            try c.encode(s.id, forKey: .id)
            try c.encode(s.modelId, forKey: .model)
            try c.encode("v\(s.modelVersion)", forKey: .version)
            try c.encode(s.backend, forKey: .backend)
            try c.encode(s.host, forKey: .host)
            try c.encode(s.port, forKey: .port)
            try c.encode(s.gpuList, forKey: .gpus)
            try c.encode(s.maxBatch, forKey: .maxBatch)
            try c.encode(s.maxDelayMs, forKey: .maxDelayMs)
            try c.encode(s.url?.absoluteString, forKey: .url)
            try c.encode(s.state, forKey: .state)
            try c.encode(s.message, forKey: .message)
            try c.encode(s.pid, forKey: .pid)
            try c.encode(s.createdAt, forKey: .createdAt)
            try c.encode(s.startedAt, forKey: .startedAt)
            try c.encode(s.finishedAt, forKey: .finishedAt)
        }
    }
}

/// What a service measured, from its stats.json (rewritten about once a second while it has traffic).
public struct InferenceStats: Codable, Sendable, Equatable {
    /// Requests answered (successes and errors).
    public var requests: Int
    /// Requests answered with an error (a bad image, a model failure).
    public var errors: Int
    /// Requests per second over the last 10 s.
    public var requestsPerSecond: Double
    /// Latency percentiles over the last 10 s (or the last 1000 requests), milliseconds.
    public var p50Ms: Double?
    public var p99Ms: Double?
    /// How many batches ran of each size ("1": 40, "8": 3).
    public var batchSizes: [String: Int]
    /// The GPU memory this process holds, MiB (a service on a GPU).
    public var gpuMemoryMiB: Int?
    public var updatedAt: Date

    public init(requests: Int = 0, errors: Int = 0, requestsPerSecond: Double = 0, p50Ms: Double? = nil, p99Ms: Double? = nil,
                batchSizes: [String: Int] = [:], gpuMemoryMiB: Int? = nil, updatedAt: Date = Date()) {
        self.requests = requests
        self.errors = errors
        self.requestsPerSecond = requestsPerSecond
        self.p50Ms = p50Ms
        self.p99Ms = p99Ms
        self.batchSizes = batchSizes
        self.gpuMemoryMiB = gpuMemoryMiB
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case requests, errors, requestsPerSecond = "requests_per_second", p50Ms = "p50_ms", p99Ms = "p99_ms"
        case batchSizes = "batch_sizes", gpuMemoryMiB = "gpu_memory_mib", updatedAt = "updated_at"
    }
}

/// One image's answer from a service. Classification fills `classes` (top-k, best first), detection
/// `boxes` (image pixels), segmentation `masks` (COCO RLE, column-major); `error` when the image
/// could not be predicted (the others are then empty).
public struct Prediction: Codable, Sendable, Equatable {
    public struct ScoredClass: Codable, Sendable, Equatable {
        public var label: String
        public var index: Int
        public var score: Double
        public init(label: String, index: Int, score: Double) { self.label = label; self.index = index; self.score = score }
    }

    public struct Box: Codable, Sendable, Equatable {
        public var label: String
        public var index: Int?
        public var score: Double
        /// [x1, y1, x2, y2] in the image's pixels.
        public var box: [Double]
        public init(label: String, index: Int? = nil, score: Double, box: [Double]) {
            self.label = label; self.index = index; self.score = score; self.box = box
        }
    }

    public struct MaskRLE: Codable, Sendable, Equatable {
        /// [height, width], as COCO writes it.
        public var size: [Int]
        /// Uncompressed run lengths, column-major, starting with background.
        public var counts: [Int]
        public init(size: [Int], counts: [Int]) { self.size = size; self.counts = counts }
    }

    public struct Mask: Codable, Sendable, Equatable {
        public var label: String
        public var index: Int
        public var rle: MaskRLE
        /// Foreground pixel count.
        public var pixels: Int
        public init(label: String, index: Int, rle: MaskRLE, pixels: Int) {
            self.label = label; self.index = index; self.rle = rle; self.pixels = pixels
        }
    }

    /// "classification", "detection" or "segmentation".
    public var task: String
    /// The image's size as decoded (after EXIF orientation).
    public var width: Int
    public var height: Int
    public var classes: [ScoredClass]
    public var boxes: [Box]
    public var masks: [Mask]
    public var error: String?
    /// Server-side time for this request, milliseconds.
    public var latencyMs: Double?

    public init(task: String, width: Int = 0, height: Int = 0, classes: [ScoredClass] = [], boxes: [Box] = [],
                masks: [Mask] = [], error: String? = nil, latencyMs: Double? = nil) {
        self.task = task
        self.width = width
        self.height = height
        self.classes = classes
        self.boxes = boxes
        self.masks = masks
        self.error = error
        self.latencyMs = latencyMs
    }

    enum CodingKeys: String, CodingKey {
        case task, width, height, classes, boxes, masks, error, latencyMs = "latency_ms"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        task = try c.decodeIfPresent(String.self, forKey: .task) ?? ""
        width = try c.decodeIfPresent(Int.self, forKey: .width) ?? 0
        height = try c.decodeIfPresent(Int.self, forKey: .height) ?? 0
        classes = try c.decodeIfPresent([ScoredClass].self, forKey: .classes) ?? []
        boxes = try c.decodeIfPresent([Box].self, forKey: .boxes) ?? []
        masks = try c.decodeIfPresent([Mask].self, forKey: .masks) ?? []
        error = try c.decodeIfPresent(String.self, forKey: .error)
        latencyMs = try c.decodeIfPresent(Double.self, forKey: .latencyMs)
    }
}

/// What /health answers.
public struct InferenceHealth: Codable, Sendable, Equatable {
    public var status: String
    public var service: String
    public var model: String
    public var version: String
    public var backend: InferenceBackend
    /// "classification", "detection" or "segmentation".
    public var task: String
    public var labels: [String]
    public var maxBatch: Int
    public var maxDelayMs: Int
    /// False when the model takes one image at a time (a batch axis fixed at 1, or a detection model).
    public var batching: Bool
    /// Why batching is off, when it is.
    public var batchingNote: String?
    public var device: String

    public init(status: String, service: String, model: String, version: String, backend: InferenceBackend, task: String,
                labels: [String], maxBatch: Int, maxDelayMs: Int, batching: Bool, batchingNote: String?, device: String) {
        self.status = status; self.service = service; self.model = model; self.version = version; self.backend = backend
        self.task = task; self.labels = labels; self.maxBatch = maxBatch; self.maxDelayMs = maxDelayMs
        self.batching = batching; self.batchingNote = batchingNote; self.device = device
    }

    enum CodingKeys: String, CodingKey {
        case status, service, model, version, backend, task, labels, maxBatch = "max_batch", maxDelayMs = "max_delay_ms"
        case batching, batchingNote = "batching_note", device
    }
}
