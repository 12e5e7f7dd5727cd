import Foundation

/// PaddleX classification lists: labels.txt (one class a line, index = line order) and
/// train_list.txt / val_list.txt / test_list.txt with 'relative/path label_index' lines.
public struct PaddleXClassificationParser: DatasetParser {
    public init() {}

    public func parse(root: URL, type: DatasetType) throws -> ParsedDataset {
        let labelsURL = root.appendingPathComponent("labels.txt")
        guard FileManager.default.fileExists(atPath: labelsURL.path) else {
            throw AIArtsError(.badInput, "\(root.path) has no labels.txt; PaddleX lists need it (one class name a line, the first line is index 0)")
        }
        var result = ParsedDataset()
        result.labels = try TextLines.read(labelsURL).map(\.text)
        let lists = Split.allCases.map { ($0, "\($0.rawValue)_list.txt") }.filter {
            FileManager.default.fileExists(atPath: root.appendingPathComponent($0.1).path)
        }
        guard !lists.isEmpty else {
            throw AIArtsError(.badInput, "\(root.path) has labels.txt but no train_list.txt, val_list.txt or test_list.txt")
        }
        for (split, name) in lists {
            for line in try TextLines.read(root.appendingPathComponent(name)) {
                switch Self.parseLine(line.text, labelCount: result.labels.count) {
                case .failure(let reason):
                    result.issues.append(ImportIssue(path: name, line: line.number, reason: reason.description))
                case .success(let (rawPath, index)):
                    do {
                        let (url, path) = try SafePath.resolve(rawPath, under: root)
                        guard FileManager.default.fileExists(atPath: url.path) else {
                            result.issues.append(ImportIssue(path: name, line: line.number, reason: "\(path) does not exist (paths are relative to the folder holding \(name))"))
                            continue
                        }
                        result.samples.append(ParsedSample(source: url, relativePath: path, split: split,
                                                           annotations: [ParsedAnnotation(label: result.labels[index])],
                                                           origin: "\(name):\(line.number)"))
                    } catch {
                        result.issues.append(ImportIssue(path: name, line: line.number, reason: error.description))
                    }
                }
            }
        }
        return result
    }

    /// 'path label_index': the label is the last whitespace-separated column, so paths may hold spaces.
    static func parseLine(_ text: String, labelCount: Int) -> Result<(String, Int), ListLineError> {
        guard let cut = text.lastIndex(where: { $0 == " " || $0 == "\t" }) else {
            return .failure(ListLineError("expected 'relative/path label_index' but found one column ('\(Excerpt.cut(text))'); add the label's index from labels.txt after a space"))
        }
        let path = text[..<cut].trimmingCharacters(in: .whitespaces)
        let labelText = String(text[text.index(after: cut)...])
        guard let index = Int(labelText) else {
            return .failure(ListLineError("the last column '\(labelText)' is not a label index; write the class's line number in labels.txt, counting from 0"))
        }
        guard index >= 0, index < labelCount else {
            return .failure(ListLineError("label index \(index) is out of range: labels.txt has \(labelCount) classes (0...\(labelCount - 1))"))
        }
        return .success((path, index))
    }

    struct ListLineError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

/// Writes labels.txt and {split}_list.txt next to the images at their dataset paths.
public struct PaddleXClassificationExporter: DatasetExporter {
    public init() {}

    public func export(_ content: DatasetContent, datasetFolder: URL, to destination: URL) throws {
        var lists: [Split: [String]] = [:]
        for sample in content.samples {
            guard let annotation = sample.annotations.first else { continue }
            try FormatListFiles.copy(datasetFolder.appendingPathComponent(sample.path), to: destination.appendingPathComponent(sample.path))
            lists[sample.split ?? .train, default: []].append("\(sample.path) \(annotation.labelIndex)")
        }
        try FormatListFiles.write(content.labels.joined(separator: "\n") + "\n", to: destination.appendingPathComponent("labels.txt"))
        for (split, lines) in lists {
            try FormatListFiles.write(lines.joined(separator: "\n") + "\n", to: destination.appendingPathComponent("\(split.rawValue)_list.txt"))
        }
    }
}
