import Foundation
import GRDB

public enum ModelJobKind: String, Codable, Sendable, CaseIterable {
    case extraction, conversion
}

public enum ModelJobState: String, Codable, Sendable, CaseIterable {
    case created, running, succeeded, failed

    public var isEnded: Bool { self == .succeeded || self == .failed }
}

/// What a conversion makes.
public enum ModelJobTarget: Equatable, Sendable, CustomStringConvertible {
    /// PyTorch (an aiarts torch checkpoint, a state dict with its trainer's model) or TorchScript → ONNX.
    case onnx
    /// ONNX → the same model at another opset (onnx.version_converter).
    case opset(Int)
    /// ONNX → int8 with onnxruntime.quantization: static (calibrated on train images) or dynamic.
    case int8(dynamic: Bool, calibration: Int)

    public static let defaultCalibration = 32
    public static let maxCalibration = 1000

    /// "onnx", "opset=18", "int8" (options carry dynamic and calibration).
    public var description: String {
        switch self {
        case .onnx: "onnx"
        case .opset(let n): "opset=\(n)"
        case .int8: "int8"
        }
    }

    /// Parses what `--convert` takes: onnx, opset=N, int8.
    public init(parsing text: String, dynamic: Bool = false, calibration: Int? = nil) throws {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t == "onnx" { self = .onnx } else if t == "int8" {
            let n = calibration ?? Self.defaultCalibration
            guard (1...Self.maxCalibration).contains(n) else {
                throw AIArtsError(.invalidArgument, "--calibration \(n): give 1 to \(Self.maxCalibration) images")
            }
            self = .int8(dynamic: dynamic, calibration: n)
        } else if t.hasPrefix("opset=") {
            guard let n = Int(t.dropFirst(6)), (7...30).contains(n) else {
                throw AIArtsError(.invalidArgument, "\(text): the opset is a whole number from 7 to 30, e.g. opset=18")
            }
            self = .opset(n)
        } else {
            throw AIArtsError(.invalidArgument, "cannot convert to \(text): give onnx, opset=N or int8")
        }
        if dynamic, case .int8 = self {} else if dynamic {
            throw AIArtsError(.invalidArgument, "--dynamic goes with --convert int8")
        }
        if calibration != nil, case .int8(dynamic: let d, _) = self, d {
            throw AIArtsError(.invalidArgument, "--calibration goes with static int8 (leave out --dynamic)")
        } else if calibration != nil, case .int8 = self {} else if calibration != nil {
            throw AIArtsError(.invalidArgument, "--calibration goes with --convert int8")
        }
    }
}

/// What to make a job of: a registry version (or a path, for an extraction) and, for a
/// conversion, the target.
public struct ModelJobSpec: Sendable, Equatable {
    public var kind: ModelJobKind
    public var modelID: String?
    /// nil: the newest version.
    public var version: Int?
    public var path: URL?
    public var target: ModelJobTarget?

    public static func extraction(model: String, version: Int? = nil) -> ModelJobSpec {
        ModelJobSpec(kind: .extraction, modelID: model, version: version, path: nil, target: nil)
    }

    public static func extraction(path: URL) -> ModelJobSpec {
        ModelJobSpec(kind: .extraction, modelID: nil, version: nil, path: path, target: nil)
    }

    public static func conversion(model: String, version: Int? = nil, to target: ModelJobTarget) -> ModelJobSpec {
        ModelJobSpec(kind: .conversion, modelID: model, version: version, path: nil, target: target)
    }
}

public struct ModelJobRecord: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "modelJob"
    public var id: String
    public var kind: ModelJobKind
    public var state: ModelJobState
    public var message: String
    public var sourceModelId: String?
    public var sourceVersion: Int?
    public var sourcePath: String?
    /// "" for an extraction; onnx, opset=N, int8 for a conversion.
    public var target: String
    /// JSON object of strings: dynamic, calibration.
    public var options: String
    /// JSON: a `ModelExtraction` for an extraction, a `ModelConversionReport` for a conversion.
    public var result: String?
    public var resultModelId: String?
    public var resultVersion: Int?
    public var pid: Int32?
    public var startTime: Int64?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?

    /// "M0001:v2" or the path.
    public var source: String {
        if let m = sourceModelId { return m + (sourceVersion.map { ":v\($0)" } ?? "") }
        return sourcePath ?? ""
    }

    public var optionValues: [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(options.utf8))) ?? [:]
    }

    /// The result model version, "M0001:v3", when a conversion registered one.
    public var resultName: String? {
        guard let m = resultModelId, let v = resultVersion else { return nil }
        return "\(m):v\(v)"
    }
}

public enum ModelJobEventType: String, Codable, Sendable {
    case normal = "Normal", warning = "Warning"
}

/// One thing that happened to a job, as kleveross lists a ModelJob's events.
public struct ModelJobEvent: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "modelJobEvent"
    public var id: Int64?
    public var jobId: String
    public var time: Date
    public var type: ModelJobEventType
    /// One word, CamelCase: Created, Started, Extracted, Converted, Checked, Registered, Failed …
    public var reason: String
    public var message: String

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A job with its events and its result decoded.
public struct ModelJobDetail: Sendable, Equatable {
    public var job: ModelJobRecord
    public var events: [ModelJobEvent]
    public var extraction: ModelExtraction?
    public var conversion: ModelConversionReport?
    public var folder: URL
}

/// What a conversion made and how it compared with its source.
public struct ModelConversionReport: Codable, Equatable, Sendable {
    public var target: String
    /// The source file converted (relative to its version folder).
    public var source: String
    public var output: String?
    public var opset: Int?
    public var sourceOpset: Int?
    /// Images the check ran (source vs converted).
    public var checkImages: Int?
    public var maxAbsDiff: Double?
    public var tolerance: Double?
    public var checkPassed: Bool?
    /// int8: how often the converted model's top-1 equals the source's, on the val split.
    public var top1Agreement: Double?
    public var metric: String?
    public var metricBefore: Double?
    public var metricAfter: Double?
    public var valImages: Int?
    public var calibrationImages: Int?
    public var quantization: String?
    public var sizeBefore: Int64?
    public var sizeAfter: Int64?
    public var notes: [String]?
}
