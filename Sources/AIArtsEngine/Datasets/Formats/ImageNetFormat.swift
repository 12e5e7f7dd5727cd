import Foundation

/// File extensions taken as images when a format finds images by listing folders.
enum ImageFiles {
    static let decodable: Set<String> = ["jpg", "jpeg", "png"]
    static let known: Set<String> = decodable.union(["bmp", "tif", "tiff", "webp", "gif"])

    /// Regular files under `folder` (recursively), skipping hidden ones, as paths relative to it, sorted.
    /// Walks with readdir: FileManager's enumerator with resource values cost over 100 µs a file.
    /// Links are not followed (a linked folder could lead outside the dataset).
    static func list(_ folder: URL) -> [String] {
        var paths: [String] = []
        walk(folder.path, prefix: "", into: &paths)
        return paths.sorted()
    }

    private static func walk(_ path: String, prefix: String, into paths: inout [String]) {
        guard let dir = opendir(path) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name.hasPrefix(".") { continue }
            var type = entry.pointee.d_type
            if type == UInt8(DT_UNKNOWN) {
                // Some file systems don't report the type in the directory entry.
                var info = stat()
                guard lstat(path + "/" + name, &info) == 0 else { continue }
                type = (info.st_mode & S_IFMT) == S_IFDIR ? UInt8(DT_DIR) : (info.st_mode & S_IFMT) == S_IFREG ? UInt8(DT_REG) : 0
            }
            if type == UInt8(DT_REG) {
                paths.append(prefix + name)
            } else if type == UInt8(DT_DIR) {
                walk(path + "/" + name, prefix: prefix + name + "/", into: &paths)
            }
        }
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
