import Foundation

/// YOLO layouts without a data.yaml or obj.data, where folders alone say what is what:
/// - flat: images/ (optionally images/{train,val,test}/) and labels/ mirroring it;
/// - Roboflow's export with data.yaml removed (or never downloaded): train/, valid/ and test/, each holding
///   images/ and labels/.
/// Class names come from classes.txt or obj.names when there is one.
extension YOLOParser {
    /// The split a folder or subset name stands for: the names ultralytics, Roboflow and CVAT use.
    static func split(named name: String) -> Split? { Split(folderName: name) }

    /// Top-level folders named for a split (train, valid, …) that hold an images/ folder, with their split.
    func splitFolders(_ root: URL) -> [(name: String, split: Split)] {
        DirectoryListing.entries(root.path).compactMap { entry in
            guard entry.kind == .directory, let name = entry.name, let split = Self.split(named: name),
                  FormatListFiles.exists(root.appendingPathComponent(name + "/images"), directory: true) else { return nil }
            return (name, split)
        }
        .sorted { ($0.split.order, $0.name) < ($1.split.order, $1.name) }
    }

    func readSplitFolders(root: URL, issues: inout [ImportIssue]) throws -> Layout {
        let labels = try classFile(root: root).map {
            try FormatListFiles.readLabels(root.appendingPathComponent($0), displayPath: $0, issues: &issues)
        }
        var entries: [ImageEntry] = []
        for folder in splitFolders(root) {
            entries += folderImages(folder.name + "/images", split: folder.split, root: root, origin: folder.name + "/", issues: &issues)
        }
        return Layout(labels: labels, entries: entries)
    }

    func readFlat(root: URL, issues: inout [ImportIssue]) throws -> Layout {
        let imagesDir = root.appendingPathComponent("images")
        guard FormatListFiles.exists(imagesDir, directory: true) else {
            throw AnnotationFormatError("\(root.path) has no YOLO layout: no data.yaml, no obj.data, no images/ folder and no "
                + "train/images/ folder. A YOLO dataset needs images/ and labels/ (with classes.txt), or an ultralytics data.yaml.")
        }
        let labels = try classFile(root: root).map {
            try FormatListFiles.readLabels(root.appendingPathComponent($0), displayPath: $0, issues: &issues)
        }
        let splitDirs = Split.allCases.filter { FormatListFiles.exists(imagesDir.appendingPathComponent($0.rawValue), directory: true) }
        var entries: [ImageEntry] = []
        if splitDirs.isEmpty {
            entries = folderImages("images", split: nil, root: root, origin: "images/", issues: &issues)
        } else {
            for split in splitDirs { entries += folderImages("images/\(split.rawValue)", split: split, root: root, origin: "images/", issues: &issues) }
        }
        return Layout(labels: labels, entries: entries)
    }
}

fileprivate extension Split {
    /// train, val, test: the order splits are listed in.
    var order: Int { Split.allCases.firstIndex(of: self) ?? 0 }
}
