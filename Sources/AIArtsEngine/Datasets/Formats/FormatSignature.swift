import Foundation

/// Obvious marks of each annotation format in a folder, so that importing with the wrong --format
/// is refused with a hint rather than giving nonsense (a COCO export read as ImageNet gives two
/// classes, 'annotations' and 'images'). Only strong marks count; ImageNet (plain class folders)
/// has none, and PaddleX and segmentation folders overlap the others too much to guess.
enum FormatSignature {
    static let guessable: [DatasetFormat] = [.coco, .voc, .yolo, .labelme]

    /// The refusal message when `chosen` finds no mark of its own in `root` but another format's
    /// marks are there; nil when the choice is plausible (or nothing can be said).
    static func mismatch(chosen: DatasetFormat, root: URL) -> String? {
        guard chosen == .imagenet || guessable.contains(chosen) else { return nil }
        if chosen != .imagenet, matches(chosen, root) { return nil }
        guard let other = guessable.first(where: { $0 != chosen && matches($0, root) }) else { return nil }
        return "this looks like \(name(other)): --format \(other.rawValue) (\(evidence(other))); "
            + "nothing in \(root.path) marks it as \(name(chosen)), so it was not imported"
    }

    static func name(_ format: DatasetFormat) -> String {
        switch format {
        case .coco: "COCO"
        case .voc: "Pascal VOC"
        case .yolo: "YOLO"
        case .labelme: "labelme"
        case .imagenet: "ImageNet class folders"
        case .paddlex: "PaddleX"
        case .seg: "a segmentation dataset"
        }
    }

    static func evidence(_ format: DatasetFormat) -> String {
        switch format {
        case .coco: "a .json with \"images\" and \"annotations\" or \"categories\""
        case .voc: "Annotations/ holds .xml files, or VOC .xml files sit beside the images"
        case .yolo: "a data.yaml, an obj.data, or a labels/ folder of .txt files"
        case .labelme: "a .json with \"shapes\""
        default: ""
        }
    }

    static func matches(_ format: DatasetFormat, _ root: URL) -> Bool {
        switch format {
        case .coco:
            let annotations = root.appendingPathComponent("annotations")
            if names(annotations).contains(where: { $0.hasPrefix("instances_") && $0.hasSuffix(".json") }) { return true }
            return jsonFiles(root).contains { json in
                let text = ends(of: json)
                return text.contains("\"images\"") && (text.contains("\"annotations\"") || text.contains("\"categories\""))
            }
        case .voc:
            if names(root.appendingPathComponent("Annotations")).contains(where: { $0.lowercased().hasSuffix(".xml") }) { return true }
            return vocFilesBesideImages(root)
        case .yolo:
            if ["data.yaml", "data.yml", "dataset.yaml"].contains(where: { FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path) }) {
                return true
            }
            if FileManager.default.fileExists(atPath: root.appendingPathComponent("obj.data").path) { return true }
            // labels/ (or labels/<split>/), or Roboflow's <split>/labels/, holding .txt files.
            let top = names(root)
            let folders = [root.appendingPathComponent("labels")]
                + top.filter { ["train", "valid", "val", "test"].contains($0) }.map { root.appendingPathComponent($0 + "/labels") }
            return folders.contains { labels in
                let inside = names(labels)
                return inside.contains(where: { $0.hasSuffix(".txt") })
                    || inside.contains { names(labels.appendingPathComponent($0)).contains { $0.hasSuffix(".txt") } }
            }
        case .labelme:
            return jsonFiles(root).contains { ends(of: $0).contains("\"shapes\"") }
        default:
            return false
        }
    }

    /// labelImg's layout: an .xml whose root element is <annotation> at the top or one folder down
    /// (train/, valid/ …). Up to 20 files are opened, and only their first 4 KB read.
    private static func vocFilesBesideImages(_ root: URL) -> Bool {
        var folders = [root]
        for entry in DirectoryListing.entries(root.path) where entry.kind == .directory {
            if let name = entry.name, !name.hasPrefix(".") { folders.append(root.appendingPathComponent(name)) }
        }
        var opened = 0
        for folder in folders {
            for entry in DirectoryListing.entries(folder.path) where entry.kind == .file {
                guard let name = entry.name, name.lowercased().hasSuffix(".xml") else { continue }
                if startsAsVOC(folder.appendingPathComponent(name)) { return true }
                opened += 1
                if opened >= 20 { return false }
            }
        }
        return false
    }

    /// True when the first element of the file is <annotation> (CVAT's one-file XML is <annotations>).
    static func startsAsVOC(_ url: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        let head = String(decoding: (try? handle.read(upToCount: 4096)) ?? Data(), as: UTF8.self)
        var rest = Substring(head)
        // Skip the declaration, comments and the doctype to the first element.
        while let open = rest.firstIndex(of: "<") {
            let after = rest[rest.index(after: open)...]
            if after.hasPrefix("?") || after.hasPrefix("!") {
                guard let close = after.firstIndex(of: ">") else { return false }
                rest = after[after.index(after: close)...]
                continue
            }
            guard after.hasPrefix("annotation") else { return false }
            let next = after.dropFirst("annotation".count).first
            return next == ">" || next == "/" || next?.isWhitespace == true
        }
        return false
    }

    /// Plain entry names of a folder (empty when it is missing).
    private static func names(_ folder: URL) -> [String] {
        DirectoryListing.entries(folder.path).compactMap(\.name)
    }

    /// Up to 20 .json files at the top and in annotations/.
    private static func jsonFiles(_ root: URL) -> [URL] {
        var out: [URL] = []
        for folder in [root, root.appendingPathComponent("annotations")] {
            for entry in DirectoryListing.entries(folder.path) where entry.kind == .file {
                if let name = entry.name, name.lowercased().hasSuffix(".json") { out.append(folder.appendingPathComponent(name)) }
                if out.count >= 20 { return out }
            }
        }
        return out
    }

    /// The first and last 1 MB of a file as text: top-level keys of a huge COCO file sit at either end.
    private static func ends(of url: URL) -> String {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return "" }
        defer { try? handle.close() }
        let window = 1 << 20
        var data = (try? handle.read(upToCount: window)) ?? Data()
        if let size = try? handle.seekToEnd(), size > UInt64(2 * window) {
            try? handle.seek(toOffset: size - UInt64(window))
            data += (try? handle.read(upToCount: window)) ?? Data()
        } else if let size = try? handle.seekToEnd(), size > UInt64(window) {
            try? handle.seek(toOffset: UInt64(window))
            data += (try? handle.readToEnd()) ?? Data()
        }
        return String(decoding: data, as: UTF8.self)
    }
}
