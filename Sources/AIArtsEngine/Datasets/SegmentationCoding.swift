import Foundation

/// Segmentation is stored as COCO-shaped JSON text: polygons as a list of flat x,y lists,
/// RLE as {"size":[h,w],"counts":...}.
enum SegmentationCoding {
    static func encode(_ segmentation: Segmentation) -> String {
        switch segmentation {
        case .polygons(let polygons):
            return "[" + polygons.map { "[" + $0.map(FormatListFiles.number).joined(separator: ",") + "]" }.joined(separator: ",") + "]"
        case .rle(let height, let width, let counts):
            return "{\"size\":[\(height),\(width)],\"counts\":[\(counts.map(String.init).joined(separator: ","))]}"
        case .compressedRLE(let height, let width, let counts):
            let data = (try? JSONSerialization.data(withJSONObject: [counts], options: [.fragmentsAllowed])) ?? Data("[\"\"]".utf8)
            let quoted = String(decoding: data, as: UTF8.self).dropFirst().dropLast()
            return "{\"size\":[\(height),\(width)],\"counts\":\(quoted)}"
        }
    }

    static func decode(_ text: String) -> Segmentation? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else { return nil }
        if let polygons = object as? [[Double]] { return .polygons(polygons) }
        guard let dict = object as? [String: Any], let size = dict["size"] as? [Int], size.count == 2 else { return nil }
        if let counts = dict["counts"] as? [Int] { return .rle(height: size[0], width: size[1], counts: counts) }
        if let counts = dict["counts"] as? String { return .compressedRLE(height: size[0], width: size[1], counts: counts) }
        return nil
    }
}
