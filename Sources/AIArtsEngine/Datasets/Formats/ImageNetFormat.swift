import Foundation

/// File extensions taken as images when a format finds images by listing folders.
enum ImageFiles {
    static let decodable: Set<String> = ["jpg", "jpeg", "png"]
    static let known: Set<String> = decodable.union(["bmp", "tif", "tiff", "webp", "gif"])

    /// Regular files under `folder` (recursively), skipping hidden ones, as paths relative to it, sorted.
    static func list(_ folder: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey],
                                                          options: [.skipsHiddenFiles]) else { return [] }
        let base = folder.standardizedFileURL.path
        var paths: [String] = []
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(base + "/") else { continue }
            paths.append(String(path.dropFirst(base.count + 1)))
        }
        return paths.sorted()
    }

    /// Subfolders of `folder`, sorted, hidden ones skipped.
    static func subfolders(_ folder: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && FileManager.default.isDirectory(folder.appendingPathComponent($0)) }.sorted()
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
            for file in ImageFiles.list(base) where !file.contains("/") {
                result.issues.append(ImportIssue(path: prefix + file, reason: "file outside any class folder; ImageNet layout wants root/<class>/<image>"))
            }
            for label in classes {
                labelSet.insert(label)
                let classFolder = base.appendingPathComponent(label)
                for file in ImageFiles.list(classFolder) {
                    let relative = prefix + label + "/" + file
                    let ext = (file as NSString).pathExtension.lowercased()
                    guard ImageFiles.decodable.contains(ext) else {
                        if ImageFiles.known.contains(ext) {
                            result.issues.append(ImportIssue(path: relative, reason: "\(ext.uppercased()) images are not supported; convert to JPEG or PNG"))
                        }
                        continue
                    }
                    do {
                        let (url, path) = try SafePath.resolve(relative, under: root)
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
