import Foundation

/// One step of a preprocessing pipeline (docs/preprocessing.md). Written and read as its text form
/// (`flip_v`, `rotate=90`, `brightness=0.4`, `median=5`, `resize=320x240`, `crop=10,10,200,200`,
/// `pad=8:114` …), which is also what a dataset made by preprocessing records.
public enum PreprocessOp: Hashable, Sendable {
    /// Left and right swapped.
    case flipHorizontal
    /// Top and bottom swapped.
    case flipVertical
    /// Counter-clockwise quarter turns, 1…3 (rotate=90 is one, rotate=270 or -90 three).
    case rotate(quarterTurns: Int)
    /// ImageEnhance.Brightness: v · f.
    case brightness(Double)
    /// ImageEnhance.Contrast: m + f · (v − m), m the mean luma.
    case contrast(Double)
    /// 255 · (v / 255)^g.
    case gamma(Double)
    /// Median of each k×k neighbourhood, k odd.
    case median(size: Int)
    /// Gaussian blur; size odd, derived from sigma (or sigma from size) as OpenCV does.
    case gaussian(sigma: Double, size: Int)
    /// Exactly width × height (area average for images, nearest for masks).
    case resize(width: Int, height: Int)
    /// The longer side becomes `side`, the aspect ratio kept.
    case resizeLongest(side: Int)
    /// The rectangle at (x, y) of width × height; it must lie inside every image.
    case crop(x: Int, y: Int, width: Int, height: Int)
    /// A border of gray `value` (masks: class 0).
    case pad(left: Int, top: Int, right: Int, bottom: Int, value: UInt8)

    /// Largest side a resize, crop or pad may name (the image codecs' own limit).
    public static let maxSide = 65_535
    public static let maxPad = 4_096
    public static let maxMedian = 255
    public static let maxSigma = 100.0
    public static let maxFactor = 100.0

    /// Geometric ops move pixels (and annotations); photometric ones change values only.
    public var isGeometric: Bool {
        switch self {
        case .flipHorizontal, .flipVertical, .rotate, .resize, .resizeLongest, .crop, .pad: true
        case .brightness, .contrast, .gamma, .median, .gaussian: false
        }
    }

    /// The canonical text form, which `init(parsing:)` reads back to the same op.
    public var text: String {
        switch self {
        case .flipHorizontal: "flip_h"
        case .flipVertical: "flip_v"
        case .rotate(let q): "rotate=\(q * 90)"
        case .brightness(let f): "brightness=\(Self.number(f))"
        case .contrast(let f): "contrast=\(Self.number(f))"
        case .gamma(let g): "gamma=\(Self.number(g))"
        case .median(let k): "median=\(k)"
        case .gaussian(let sigma, let size):
            if size == PreprocessOp.gaussianSize(sigma: sigma) { "gaussian=\(Self.number(sigma))" }
            else if sigma == PreprocessOp.gaussianSigma(size: size) { "gaussian=k\(size)" }
            else { "gaussian=\(Self.number(sigma)),k\(size)" }
        case .resize(let w, let h): "resize=\(w)x\(h)"
        case .resizeLongest(let side): "resize=\(side)"
        case .crop(let x, let y, let w, let h): "crop=\(x),\(y),\(w),\(h)"
        case .pad(let l, let t, let r, let b, let v):
            (l == t && t == r && r == b ? "pad=\(l)" : "pad=\(l),\(t),\(r),\(b)") + (v == 0 ? "" : ":\(v)")
        }
    }

    /// A short form for file names: `flip_v`, `rotate90`, `brightness0.4`, `resize320x240`,
    /// `crop10-10-200-200` (letters, digits, `.`, `_` and `-` only).
    public var slug: String {
        let raw = text.replacingOccurrences(of: "=", with: "").replacingOccurrences(of: ",", with: "-")
            .replacingOccurrences(of: ":", with: "_")
        return String(raw.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" })
    }

    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }

    /// OpenCV's kernel size for a sigma on 8-bit images: round(6σ + 1), made odd.
    public static func gaussianSize(sigma: Double) -> Int { max(1, Int((sigma * 6 + 1).rounded()) | 1) }
    /// OpenCV's sigma for a kernel size: 0.3 · ((k − 1) / 2 − 1) + 0.8.
    public static func gaussianSigma(size: Int) -> Double { 0.3 * (Double(size - 1) * 0.5 - 1) + 0.8 }
}

extension PreprocessOp: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try PreprocessOp(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\(error)"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

extension PreprocessOp: CustomStringConvertible {
    public var description: String { text }
}

// MARK: - Parsing

extension PreprocessOp {
    /// The grammar, one line each, for help texts and error messages.
    public static let grammar = [
        "flip_h", "flip_v", "rotate=90|180|270|-90", "brightness=F", "contrast=F", "gamma=G", "median=K (odd)",
        "gaussian=SIGMA | gaussian=kK | gaussian=SIGMA,kK", "resize=WxH | resize=N (longest side)",
        "crop=X,Y,W,H", "pad=N | pad=L,T,R,B, either with :V (gray 0-255)",
    ]

    /// Reads one op from its text form. Errors are one line that quotes the op and says what a
    /// valid one looks like.
    public init(parsing raw: String) throws {
        let text = raw.trimmingCharacters(in: .whitespaces)
        let name: Substring, value: Substring?
        if let eq = text.firstIndex(of: "=") {
            name = text[..<eq]; value = text[text.index(after: eq)...]
        } else {
            name = Substring(text); value = nil
        }
        func bad(_ why: String) -> AIArtsError {
            AIArtsError(.invalidArgument, "bad op '\(PreprocessOp.quoted(raw))': \(why)")
        }
        func need(_ example: String) throws -> Substring {
            guard let value, !value.isEmpty else { throw bad("it needs a value, e.g. \(example)") }
            return value
        }
        func factor(_ example: String, max: Double, positive: Bool) throws -> Double {
            let v = try need(example)
            guard let f = Double(v), f.isFinite, positive ? f > 0 : f >= 0, f <= max else {
                throw bad("the value must be a number \(positive ? "above" : "from") 0 \(positive ? "and at most" : "to") \(PreprocessOp.number(max)), e.g. \(example)")
            }
            return f
        }
        func ints(_ v: Substring, count: Set<Int>, range: ClosedRange<Int>, example: String) throws -> [Int] {
            let parts = v.split(separator: ",", omittingEmptySubsequences: false)
            guard count.contains(parts.count) else { throw bad("expected \(example)") }
            return try parts.map {
                guard let n = Int($0.trimmingCharacters(in: .whitespaces)), range.contains(n) else {
                    throw bad("'\(PreprocessOp.quoted(String($0)))' is not a whole number from \(range.lowerBound) to \(range.upperBound); expected \(example)")
                }
                return n
            }
        }
        func noValue() throws {
            if let value { throw bad("it takes no value (got '=\(PreprocessOp.quoted(String(value)))')") }
        }

        switch name.lowercased() {
        case "flip_h":
            try noValue(); self = .flipHorizontal
        case "flip_v":
            try noValue(); self = .flipVertical
        case "rotate":
            let v = try need("rotate=90")
            switch Int(v) {
            case 90, -270: self = .rotate(quarterTurns: 1)
            case 180, -180: self = .rotate(quarterTurns: 2)
            case 270, -90: self = .rotate(quarterTurns: 3)
            default: throw bad("rotate takes 90, 180, 270 or -90 degrees (counter-clockwise)")
            }
        case "brightness":
            self = .brightness(try factor("brightness=0.4", max: Self.maxFactor, positive: false))
        case "contrast":
            self = .contrast(try factor("contrast=1.2", max: Self.maxFactor, positive: false))
        case "gamma":
            self = .gamma(try factor("gamma=0.8", max: Self.maxFactor, positive: true))
        case "median":
            let v = try need("median=5")
            // "5x5" is accepted too (the Django document gives both sides); they must agree.
            let sides = v.lowercased().split(separator: "x", omittingEmptySubsequences: false)
            guard sides.count <= 2, let k = Int(sides[0]), sides.count == 1 || Int(sides[1]) == k,
                  k >= 1, k <= Self.maxMedian, k % 2 == 1 else {
                throw bad("the median size must be an odd whole number from 1 to \(Self.maxMedian) (a square window), e.g. median=5")
            }
            self = .median(size: k)
        case "gaussian":
            let v = try need("gaussian=1.5")
            var sigma: Double?, size: Int?
            for part in v.split(separator: ",", omittingEmptySubsequences: false) {
                if part.first == "k" || part.first == "K" {
                    guard size == nil, let k = Int(part.dropFirst()), k >= 1, k % 2 == 1, k <= 2 * Self.maxMedian + 1 else {
                        throw bad("the kernel size kK must be odd, from 1 to \(2 * Self.maxMedian + 1), e.g. gaussian=k5")
                    }
                    size = k
                } else {
                    guard sigma == nil, let s = Double(part), s.isFinite, s > 0, s <= Self.maxSigma else {
                        throw bad("sigma must be a number above 0 and at most \(Self.number(Self.maxSigma)), e.g. gaussian=1.5 or gaussian=k5")
                    }
                    sigma = s
                }
            }
            switch (sigma, size) {
            case let (s?, k?): self = .gaussian(sigma: s, size: k)
            case let (s?, nil): self = .gaussian(sigma: s, size: Self.gaussianSize(sigma: s))
            case let (nil, k?):
                guard k >= 3 else { throw bad("a kernel size alone must be at least 3 (its sigma comes from it), e.g. gaussian=k5") }
                self = .gaussian(sigma: Self.gaussianSigma(size: k), size: k)
            case (nil, nil): throw bad("expected gaussian=SIGMA, gaussian=kK or gaussian=SIGMA,kK")
            }
        case "resize":
            let v = try need("resize=320x240")
            let sides = v.lowercased().split(separator: "x", omittingEmptySubsequences: false)
            let range = 1...Self.maxSide
            if sides.count == 1 {
                guard let n = Int(sides[0]), range.contains(n) else {
                    throw bad("expected resize=WxH or resize=N (the longest side), each from 1 to \(Self.maxSide)")
                }
                self = .resizeLongest(side: n)
            } else {
                guard sides.count == 2, let w = Int(sides[0]), let h = Int(sides[1]), range.contains(w), range.contains(h) else {
                    throw bad("expected resize=WxH or resize=N (the longest side), each from 1 to \(Self.maxSide)")
                }
                self = .resize(width: w, height: h)
            }
        case "crop":
            let v = try need("crop=10,10,200,200")
            let n = try ints(v, count: [4], range: 0...Self.maxSide, example: "crop=X,Y,W,H, e.g. crop=10,10,200,200")
            guard n[2] >= 1, n[3] >= 1 else { throw bad("the crop's width and height must be at least 1") }
            self = .crop(x: n[0], y: n[1], width: n[2], height: n[3])
        case "pad":
            let v = try need("pad=8")
            var sides = v, fill: UInt8 = 0
            if let colon = v.firstIndex(of: ":") {
                sides = v[..<colon]
                guard let f = UInt8(v[v.index(after: colon)...]) else { throw bad("the fill after ':' must be a gray value from 0 to 255, e.g. pad=8:114") }
                fill = f
            }
            let n = try ints(sides, count: [1, 4], range: 0...Self.maxPad, example: "pad=N or pad=L,T,R,B (optionally :V), e.g. pad=8")
            self = n.count == 1 ? .pad(left: n[0], top: n[0], right: n[0], bottom: n[0], value: fill)
                : .pad(left: n[0], top: n[1], right: n[2], bottom: n[3], value: fill)
        default:
            throw AIArtsError(.invalidArgument, "unknown op '\(PreprocessOp.quoted(raw))'; ops are: \(Self.grammar.joined(separator: ", "))")
        }
    }

    /// Parses a whole list; the first bad op's error is thrown.
    public static func parse(_ texts: [String]) throws -> [PreprocessOp] {
        try texts.map { try PreprocessOp(parsing: $0) }
    }

    /// User text as it may appear in a one-line message: escapes cleaned, at most 60 characters.
    static func quoted(_ raw: String) -> String {
        let clean = TerminalText.finalRedraw(raw).replacingOccurrences(of: "\n", with: " ")
        return clean.count > 60 ? String(clean.prefix(57)) + "…" : clean
    }
}
