import Foundation

/// One operation as the Django ML platform's `/preprocess/` document writes it: a Chinese
/// `operationName`, up to two numbers and `overlap` (true: the processed copies are added beside
/// the originals; docs/preprocessing.md).
public struct DjangoPreprocessOperation: Codable, Equatable, Sendable {
    public var operationName: String
    public var overlap: Bool?
    public var value1: Double?
    public var value2: Double?

    public init(operationName: String, overlap: Bool? = nil, value1: Double? = nil, value2: Double? = nil) {
        self.operationName = operationName; self.overlap = overlap; self.value1 = value1; self.value2 = value2
    }
}

extension PreprocessOp {
    /// The document's operation names and the op each becomes; `value1`/`value2` fill the op's
    /// numbers as the third column says. The CLI names (`flip_v`, `median` …) are accepted too.
    public static let djangoNames: [(name: String, op: String, values: String)] = [
        ("上下翻转", "flip_v", "none"),
        ("左右翻转", "flip_h", "none"),
        ("旋转", "rotate", "value1: degrees, 90, 180 or 270 counter-clockwise"),
        ("亮度调整", "brightness", "value1: factor"),
        ("对比度调整", "contrast", "value1: factor"),
        ("伽马校正", "gamma", "value1: gamma"),
        ("中值滤波", "median", "value1 × value2: window, equal and odd (value2 may be null)"),
        ("高斯滤波", "gaussian", "value1: kernel size (odd, or null), value2: sigma (or null); at least one"),
        ("尺寸调整", "resize", "value1 × value2: width and height; value2 null: value1 is the longest side"),
        ("填充", "pad", "value1: pixels on each side, value2: gray fill 0-255 (null: 0)"),
    ]

    /// Aliases the document's authors may write for the same operations.
    static let djangoAliases: [String: String] = [
        "垂直翻转": "上下翻转", "水平翻转": "左右翻转", "亮度": "亮度调整", "对比度": "对比度调整",
        "伽马变换": "伽马校正", "伽马调整": "伽马校正", "高斯模糊": "高斯滤波", "缩放": "尺寸调整", "图像缩放": "尺寸调整",
    ]

    /// The op a Django operation names, or a one-line reason naming it.
    public init(django operation: DjangoPreprocessOperation) throws {
        let raw = operation.operationName.trimmingCharacters(in: .whitespaces)
        let name = Self.djangoAliases[raw] ?? raw
        let v1 = operation.value1, v2 = operation.value2
        func n(_ v: Double) -> String { PreprocessOp.number(v) }
        func bad(_ why: String) -> AIArtsError {
            AIArtsError(.invalidArgument, "bad operation '\(PreprocessOp.quoted(raw))': \(why)")
        }
        let text: String
        switch name {
        case "上下翻转", "flip_v": text = "flip_v"
        case "左右翻转", "flip_h": text = "flip_h"
        case "旋转", "rotate":
            guard let v1 else { throw bad("value1 must give the degrees (90, 180 or 270)") }
            text = "rotate=\(n(v1))"
        case "亮度调整", "brightness", "对比度调整", "contrast", "伽马校正", "gamma":
            let op = ["亮度调整": "brightness", "对比度调整": "contrast", "伽马校正": "gamma"][name] ?? name
            guard let v1 else { throw bad("value1 must give the factor") }
            text = "\(op)=\(n(v1))"
        case "中值滤波", "median":
            guard let v1 else { throw bad("value1 must give the window size (odd)") }
            text = v2.map { "median=\(n(v1))x\(n($0))" } ?? "median=\(n(v1))"
        case "高斯滤波", "gaussian":
            switch (v1, v2) {
            case let (k?, s?): text = "gaussian=\(n(s)),k\(n(k))"
            case let (k?, nil): text = "gaussian=k\(n(k))"
            case let (nil, s?): text = "gaussian=\(n(s))"
            case (nil, nil): throw bad("value1 (kernel size) or value2 (sigma) must be given")
            }
        case "尺寸调整", "resize":
            guard let v1 else { throw bad("value1 must give the width (or the longest side)") }
            text = v2.map { "resize=\(n(v1))x\(n($0))" } ?? "resize=\(n(v1))"
        case "填充", "pad":
            guard let v1 else { throw bad("value1 must give the border in pixels") }
            text = "pad=\(n(v1))" + (v2.map { ":\(n($0))" } ?? "")
        case "裁剪", "crop":
            throw bad("a crop needs four numbers (x, y, width, height) and the document's operations carry two; use `aiarts dataset preprocess --op crop=X,Y,W,H`")
        default:
            throw bad("not a known operation; known: \(Self.djangoNames.map(\.name).joined(separator: ", "))")
        }
        do { self = try PreprocessOp(parsing: text) } catch let error as AIArtsError {
            // The same reason, naming the document's operation rather than the op text.
            throw bad(error.message.replacingOccurrences(of: "bad op '\(text)': ", with: ""))
        }
    }
}
