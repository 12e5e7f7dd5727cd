import Foundation

/// A tensor a model takes or gives: its name, element type and shape as the file states it.
public struct ModelTensorInfo: Codable, Equatable, Sendable {
    public var name: String
    /// "float32", "int64", "uint8" ... ; "?" when the file does not say.
    public var dtype: String
    /// Each dimension as written: a number ("224"), a symbolic name ("batch"), or "?" (unknown);
    /// nil when even the rank is unknown.
    public var shape: [String]?

    public init(name: String, dtype: String, shape: [String]?) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }

    /// "images float32[batch,3,224,224]"
    public var summary: String {
        "\(name) \(dtype)" + (shape.map { "[" + $0.joined(separator: ",") + "]" } ?? "[?]")
    }
}

/// What one model file (or a format's folder) says about itself, read without running it.
public struct ModelArtifact: Codable, Equatable, Sendable {
    /// Relative to the extracted path ("" for the path itself).
    public var path: String
    public var format: String
    public var size: Int64
    public var inputs: [ModelTensorInfo] = []
    public var outputs: [ModelTensorInfo] = []
    /// Operator sets by domain ("" is ONNX's default domain "ai.onnx").
    public var opsets: [String: Int64]?
    public var irVersion: Int64?
    public var producer: String?
    /// Weights: the product of each weight tensor's dimensions, summed.
    public var parameterCount: Int64?
    public var tensorCount: Int?
    public var nodeCount: Int?
    /// Anything else the format states (framework version, model class, labels ...).
    public var details: [String: String] = [:]
    /// Why the file could not be read, in one line; nil when it was.
    public var error: String?
    /// The Python script reads it (torch files): filled in by the job.
    public var needsPython = false

    public init(path: String, format: String, size: Int64) {
        self.path = path
        self.format = format
        self.size = size
    }
}

/// The extraction of a file or folder: its format and the artifacts read in it.
public struct ModelExtraction: Codable, Equatable, Sendable {
    public var path: String
    public var format: String
    public var size: Int64
    public var fileCount: Int
    public var artifacts: [ModelArtifact]
}
