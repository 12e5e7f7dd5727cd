import Foundation

/// The split of each image stem, from a VOC dataset's ImageSets/Main/*.txt, as the VOC devkit writes them:
/// - train.txt, val.txt, test.txt, trainval.txt: one image stem a line;
/// - per-class lists `<class>_<split>.txt` (aeroplane_train.txt): every image of the split, each followed by
///   ` 1` (the class is in it), `-1` (it is not) or ` 0` (only as 'difficult'). They are read only for a split
///   whose own list is missing, since they list the same images again.
/// trainval is train ∪ val: its stems not already in train.txt or val.txt go to val when only train.txt
/// exists, and to train otherwise (so a lone trainval.txt is the training set).
struct VOCImageSets {
    struct Entry {
        var stem: String
        var split: Split
        /// The list and line that named it, for messages about it.
        var file: String
        var line: Int
    }

    static let folder = "ImageSets/Main"
    static let splitNames: [(String, Split?)] = [("train", .train), ("val", .val), ("test", .test), ("trainval", nil)]

    /// Stems in the order first listed, each once.
    private(set) var entries: [Entry] = []
    private var index: [String: Int] = [:]
    /// Where a trainval stem listed in neither train nor val goes: val when train has its own list and
    /// val has none (trainval minus train is val), else train.
    private var trainval: Split = .train
    private var trainvalHasBoth = false

    func entry(_ stem: String) -> Entry? { index[stem].map { entries[$0] } }

    var isEmpty: Bool { entries.isEmpty }

    /// Reads the lists. `known` are the stems the dataset has (annotations and images), used to tell a stem
    /// with spaces from a stem followed by other columns.
    init(root: URL, known: Set<String>, issues: inout [ImportIssue]) {
        let main = root.appendingPathComponent(Self.folder)
        guard FormatListFiles.exists(main, directory: true) else { return }
        let names = FormatListFiles.files(in: main, recursive: false, confinedTo: root, issues: &issues, shownPrefix: Self.folder + "/")
            .filter { ($0 as NSString).pathExtension.lowercased() == "txt" }
        var whole: [String: String] = [:]       // split name → its own list
        var perClass: [String: [String]] = [:]  // split name → class lists
        var unknown: [String] = []
        for name in names {
            let base = (name as NSString).deletingPathExtension
            if Self.splitNames.contains(where: { $0.0 == base }) {
                whole[base] = name
            } else if let underscore = base.lastIndex(of: "_"), underscore > base.startIndex,
                      case let suffix = String(base[base.index(after: underscore)...]),
                      Self.splitNames.contains(where: { $0.0 == suffix }) {
                perClass[suffix, default: []].append(name)
            } else {
                unknown.append(name)
            }
        }
        for (name, split) in Self.splitNames {
            if name == "trainval" {
                let train = whole["train"] != nil || perClass["train"] != nil
                let val = whole["val"] != nil || perClass["val"] != nil
                trainval = train && !val ? .val : .train
                trainvalHasBoth = train && val
            }
            if let file = whole[name] {
                read(main, file, perClass: false, split: split, known: known, issues: &issues)
            } else if let files = perClass[name] {
                for file in files { read(main, file, perClass: true, split: split, known: known, issues: &issues) }
            }
        }
        if !unknown.isEmpty {
            let shown = unknown.prefix(5).joined(separator: ", ") + (unknown.count > 5 ? ", … (\(unknown.count) files)" : "")
            issues.append(ImportIssue(path: Self.folder + "/", reason:
                "\(shown) \(unknown.count == 1 ? "is" : "are") not named for a split (train, val, trainval, test, or <class>_<split>); "
                + "the images listed there get no split from \(unknown.count == 1 ? "it" : "them")"))
        }
    }

    /// Reads one list. `split` nil is trainval: its new stems go to the part of train ∪ val not listed on its own.
    private mutating func read(_ main: URL, _ file: String, perClass: Bool, split: Split?, known: Set<String>,
                               issues: inout [ImportIssue]) {
        let display = "\(Self.folder)/\(file)"
        guard let lines = try? TextLines.read(main.appendingPathComponent(file)) else {
            issues.append(ImportIssue(path: display, reason: "could not be read; check its permissions"))
            return
        }
        for line in lines {
            let stem: String
            if perClass {
                guard let (name, flag) = Self.classLine(line.text), ["1", "-1", "0"].contains(flag) else {
                    issues.append(ImportIssue(path: display, line: line.number, reason:
                        "expected '<image> 1', '<image> -1' or '<image> 0' (a VOC per-class list), found '\(Excerpt.cut(line.text))'; the line is skipped"))
                    continue
                }
                stem = name
            } else {
                // A stem may contain spaces; only when the whole line is no known stem is the first word tried.
                var text = line.text
                if !known.contains(text), let first = text.split(whereSeparator: { $0.isWhitespace }).first, known.contains(String(first)) {
                    text = String(first)
                }
                stem = text
            }
            add(stem, split: split, display: display, line: line.number, issues: &issues)
        }
    }

    private mutating func add(_ stem: String, split given: Split?, display: String, line: Int, issues: inout [ImportIssue]) {
        if let at = index[stem] {
            let earlier = entries[at]
            // trainval repeats train and val; class lists repeat each other: only a real disagreement is reported.
            let clash = given.map { $0 != earlier.split } ?? (earlier.split == .test)
            if clash {
                issues.append(ImportIssue(path: display, line: line, reason:
                    "'\(stem)' is also listed in \(earlier.file); kept in \(earlier.split.rawValue) — list each image in one split only"))
            }
            return
        }
        if given == nil, trainvalHasBoth {
            issues.append(ImportIssue(path: display, line: line, reason:
                "'\(stem)' is in trainval but in neither the train nor the val list; imported as train"))
        }
        let split = given ?? trainval
        index[stem] = entries.count
        entries.append(Entry(stem: stem, split: split, file: display, line: line))
    }

    /// 'stem flag' with the flag in the last column (the devkit pads ' 1' to the width of '-1').
    static func classLine(_ text: String) -> (String, String)? {
        guard let gap = text.lastIndex(where: { $0.isWhitespace }) else { return nil }
        let flag = String(text[text.index(after: gap)...])
        let name = text[..<gap].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, !flag.isEmpty else { return nil }
        return (name, flag)
    }
}
