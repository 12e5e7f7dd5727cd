import Foundation

/// labelImg's default VOC layout: each XML saved beside its image, with no Annotations/ or JPEGImages/,
/// in one folder or several (Roboflow's VOC export: train/, valid/, test/, each of images and XMLs).
/// An XML whose image is not beside it is also looked for in an images/ or JPEGImages/ folder next to
/// the XML's folder (labelImg's "change save dir": annotations/ + images/).
extension VOCParser {

    func readBesideImages(root: URL, issues: inout [ImportIssue]) throws -> [RawSample] {
        let files = FormatListFiles.files(in: root, recursive: true, confinedTo: root, issues: &issues, shownPrefix: "")
        let xmls = files.filter { ($0 as NSString).pathExtension.lowercased() == "xml" }
        guard !xmls.isEmpty else {
            throw AnnotationFormatError("no VOC annotation found: no Annotations/ folder (Pascal VOC), no .xml beside the images "
                + "(labelImg), and no train_list.txt/val_list.txt pairing 'JPEGImages/x.jpg Annotations/x.xml' (PaddleX)."
                + Self.segmentationHint(root))
        }
        let folders = Set(files.map(Self.folder(of:)))
        var raws: [RawSample] = []
        var claimed: Set<String> = []
        var unread: Set<String> = []  // folder + stem of XML files that could not be used (each has its issue)
        for xml in xmls {
            let home = Self.folder(of: xml)
            let parent = Self.folder(of: String(home.dropLast()))
            let siblings = home.isEmpty ? [] : ["images/", "JPEGImages/"].map { parent + $0 }.filter { $0 != home && folders.contains($0) }
            guard var raw = readAnnotation(root: root, xml: xml, image: nil, folders: [home] + siblings, issues: &issues) else {
                for folder in [home] + siblings { unread.insert(folder + FormatListFiles.stem(xml)) }
                continue
            }
            raw.split = Self.split(ofPath: raw.image.relative)
            claimed.insert(raw.image.relative)
            raws.append(raw)
        }
        // Images no XML names: without objects where XML files (or images they name) are, else reported per folder.
        let annotated = Set(xmls.map(Self.folder(of:))).union(claimed.map(Self.folder(of:)))
        var elsewhere: [String: [String]] = [:]
        for path in files where FormatListFiles.isImage(path) && !claimed.contains(path) {
            let folder = Self.folder(of: path)
            guard annotated.contains(folder) else {
                elsewhere[folder, default: []].append(path)
                continue
            }
            guard !unread.contains(folder + FormatListFiles.stem(path)), let image = try? SafePath.resolve(path, under: root) else { continue }
            raws.append(.unannotated(image, split: Self.split(ofPath: path), origin: path))
        }
        for (folder, images) in elsewhere.sorted(by: { $0.key < $1.key }) {
            issues.append(ImportIssue(path: folder.isEmpty ? "./" : folder, reason:
                "\(images.count) image\(images.count == 1 ? "" : "s") (\(Excerpt.cut((images[0] as NSString).lastPathComponent))"
                + "\(images.count > 1 ? ", …" : "")) in a folder with no VOC XML, named by none; not imported. "
                + "labelImg saves each image's XML beside it: annotate them, or move them beside the others to import them without objects"))
        }
        return raws
    }

    /// 'a/b/c.jpg' → 'a/b/'; 'c.jpg' → ''.
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }

    /// The split named by the first of a path's folders called train/, valid/, test/ (or the like), if any.
    static func split(ofPath path: String) -> Split? {
        path.split(separator: "/").dropLast().lazy.compactMap { Split(folderName: String($0)) }.first
    }
}
