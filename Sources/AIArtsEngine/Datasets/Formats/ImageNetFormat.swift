import Foundation

/// File extensions taken as images when a format finds images by listing folders.
enum ImageFiles {
    static let decodable: Set<String> = ["jpg", "jpeg", "png", "webp"]
    static let known: Set<String> = decodable.union(["bmp", "tif", "tiff", "gif"])

    /// Regular files under `folder` (recursively), skipping hidden ones, as paths relative to it, sorted.
    /// Walks with readdir: FileManager's enumerator with resource values cost over 100 µs a file.
    /// Links are not followed (a linked folder could lead outside the dataset) but reported, as are
    /// names that are not UTF-8, in `problems` (paths relative to `folder`).
    static func list(_ folder: URL, problems: inout [(path: String, reason: String)]) -> [String] {
        var paths: [String] = []
        walk(folder.path, prefix: "", into: &paths, problems: &problems)
        return paths.sorted()
    }

    static func list(_ folder: URL) -> [String] {
        var ignored: [(path: String, reason: String)] = []
        return list(folder, problems: &ignored)
    }

    private static func walk(_ path: String, prefix: String, into paths: inout [String],
                             problems: inout [(path: String, reason: String)]) {
        for entry in DirectoryListing.entries(path) where !entry.shown.hasPrefix(".") {
            guard let name = entry.name else {
                if entry.kind == .file || entry.kind == .directory { problems.append((prefix + entry.shown, DirectoryListing.notUTF8Reason)) }
                continue
            }
            switch entry.kind {
            case .file: paths.append(prefix + name)
            case .directory: walk(path + "/" + name, prefix: prefix + name + "/", into: &paths, problems: &problems)
            case .symlink: problems.append((prefix + name, DirectoryListing.symlinkReason))
            case .other: continue
            }
        }
    }

    /// Subfolders of `folder` (not links to folders), sorted, hidden ones skipped.
    static func subfolders(_ folder: URL) -> [String] {
        DirectoryListing.entries(folder.path).compactMap { entry in
            entry.kind == .directory && !entry.shown.hasPrefix(".") ? entry.name : nil
        }.sorted()
    }
}

/// ImageNet-style classification: one folder per class (root/cat/*.jpg), optionally under
/// train/, val/ and test/ folders that give the split.
public struct ImageNetParser: DatasetParser {
    public init() {}

    public func parse(root: URL, type: DatasetType) throws -> ParsedDataset {
        let top = ImageFiles.subfolders(root)
        let splitFolders = top.filter { Split(rawValue: $0.lowercased()) != nil || $0.lowercased() == "valid" || $0.lowercased() == "validation" }
        var result = ParsedDataset()
        var labelSet = Set<String>()
        let groups: [(prefix: String, split: Split?)] = splitFolders.isEmpty
            ? [("", nil)]
            : splitFolders.map { ($0 + "/", Self.split(named: $0)) }
        for (prefix, split) in groups {
            let base = prefix.isEmpty ? root : root.appendingPathComponent(String(prefix.dropLast()))
            let classes = ImageFiles.subfolders(base)
            var topProblems: [(path: String, reason: String)] = []
            for file in ImageFiles.list(base, problems: &topProblems) where !file.contains("/") {
                result.issues.append(ImportIssue(path: prefix + file, reason: "file outside any class folder; ImageNet layout wants root/<class>/<image>"))
            }
            // Deeper problems are reported with their class folder below.
            for problem in topProblems where !problem.path.contains("/") {
                result.issues.append(ImportIssue(path: prefix + problem.path, reason: problem.reason))
            }
            for label in classes {
                labelSet.insert(label)
                let classFolder = base.appendingPathComponent(label)
                var problems: [(path: String, reason: String)] = []
                let files = ImageFiles.list(classFolder, problems: &problems)
                for problem in problems {
                    result.issues.append(ImportIssue(path: prefix + label + "/" + problem.path, reason: problem.reason))
                }
                for file in files {
                    let relative = prefix + label + "/" + file
                    let ext = (file as NSString).pathExtension.lowercased()
                    guard ImageFiles.decodable.contains(ext) else {
                        if ImageFiles.known.contains(ext) {
                            result.issues.append(ImportIssue(path: relative, reason: "\(ext.uppercased()) images are not supported; convert to JPEG, PNG or WebP"))
                        }
                        continue
                    }
                    do {
                        // A listed name is literal: a '\\' in it is part of the name, not a separator.
                        let (url, path) = try SafePath.resolve(relative, under: root, literal: true)
                        result.samples.append(ParsedSample(source: url, relativePath: path, split: split,
                                                           annotations: [ParsedAnnotation(label: label)]))
                    } catch {
                        result.issues.append(ImportIssue(path: relative, reason: error.description))
                    }
                }
            }
        }
        guard !labelSet.isEmpty else {
            throw AIArtsError(.badInput, "\(root.path) has no class folders; ImageNet layout wants root/<class>/<image> (optionally under train/, val/, test/)")
        }
        result.labels = labelSet.sorted()
        return result
    }

    static func split(named name: String) -> Split {
        switch name.lowercased() {
        case "val", "valid", "validation": .val
        case "test": .test
        default: .train
        }
    }
}

/// Writes root/<split>/<class>/<image> (or root/<class>/<image> when the dataset has no split).
public struct ImageNetExporter: DatasetExporter {
    public init() {}

    public func export(_ content: DatasetContent, datasetFolder: URL, to destination: URL) throws {
        let withSplit = content.samples.contains { $0.split != nil }
        var used = Set<String>()
        for sample in content.samples {
            guard let label = sample.annotations.first.map({ content.labels[$0.labelIndex] }) else { continue }
            let prefix = withSplit ? (sample.split ?? .train).rawValue + "/" : ""
            let name = FormatListFiles.uniqueName((sample.path as NSString).lastPathComponent, in: prefix + label, used: &used)
            try FormatListFiles.copy(datasetFolder.appendingPathComponent(sample.path), to: destination.appendingPathComponent(prefix + label + "/" + name))
        }
        // Empty class folders keep labels that have no images in the export.
        for label in content.labels {
            for prefix in withSplit ? ["train/"] : [""] {
                try FileManager.default.createDirectory(at: destination.appendingPathComponent(prefix + label), withIntermediateDirectories: true)
            }
        }
    }
}
