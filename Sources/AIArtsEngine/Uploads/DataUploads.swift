import Foundation
import GRDB

/// What kind of file a data upload is, as the Django platform's clients name it (`file_class`).
public enum DataFileClass: String, Codable, CaseIterable, Sendable {
    case doc, code, audio, picture

    /// The class a file's extension suggests, when the client did not say.
    public init(guessingFrom name: String) {
        let ext = (name as NSString).pathExtension.lowercased()
        if ["jpg", "jpeg", "png", "webp", "bmp", "gif", "tif", "tiff"].contains(ext) { self = .picture }
        else if ["mp3", "wav", "flac", "ogg", "m4a", "aac"].contains(ext) { self = .audio }
        else if ["py", "ipynb", "sh", "js", "ts", "swift", "c", "h", "cc", "cpp", "java", "r", "go", "rs", "m", "lua"].contains(ext) { self = .code }
        else { self = .doc }
    }

    public init(parsing text: String) throws {
        guard let value = DataFileClass(rawValue: text.lowercased()) else {
            throw AIArtsError(.invalidArgument, "file_class is one of \(Self.allCases.map(\.rawValue).joined(separator: ", ")), not \(text)")
        }
        self = value
    }
}

/// How an upload reached the workspace (`file_type` of the Django platform's upload).
public enum DataSourceKind: String, Codable, CaseIterable, Sendable {
    case single, zip, url
}

/// A file a user uploaded into the workspace's data area (docs/api.md, "Django ML platform"):
/// `data/<id>/entry.json` beside the file itself; a zip is imported as a dataset instead, and
/// its entry names the dataset. Ids are integers handed out once (never reused).
public struct DataEntry: Codable, Equatable, Sendable {
    public var id: Int
    public var createdAt: Date
    public var fileClass: DataFileClass
    /// The file's name (its last path component only); for a zip, the archive's name.
    public var fileName: String
    public var owner: String
    public var source: DataSourceKind
    /// Where the server fetched it from (url uploads).
    public var url: String?
    public var size: Int64
    /// The dataset a zip was imported as.
    public var datasetId: String?
}

/// What `GET /data/<id>/` answers: a file, a folder's tree, or a CSV file's rows.
public enum DataContent: Sendable {
    case file(URL)
    case tree(DataTree)
    case rows([[String: String]])
}

/// A folder as the Django platform shows one: each file's name mapped to itself, each folder to its tree.
public indirect enum DataTree: Sendable, Equatable {
    case file(String)
    case folder([String: DataTree])

    /// Foundation values for JSONSerialization.
    public var jsonValue: Any {
        switch self {
        case .file(let name): name
        case .folder(let children): children.mapValues(\.jsonValue)
        }
    }
}

extension Workspace {
    public var dataFolder: URL { root.appendingPathComponent("data") }
    static let dataSequenceKind = "data"
    /// Entries of a tree listed at most; a deeper listing is cut there.
    static let dataTreeLimit = 20_000
    /// CSV files larger than this are served as files, not parsed into rows.
    static let dataCSVRowsLimit: Int64 = 16 << 20

    /// Keeps `file` (moved, not copied) as a new data entry of `owner`. `name` is reduced to its last
    /// path component. The entry appears whole or not at all.
    public func addDataFile(_ file: URL, name: String, fileClass: DataFileClass? = nil, owner: String,
                            source: DataSourceKind = .single, url: String? = nil) throws -> DataEntry {
        try requireWritable("keeping an upload")
        let safeName = try Self.dataFileName(name)
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.int64Value ?? 0
        let entry = DataEntry(id: 0, createdAt: Date(), fileClass: fileClass ?? DataFileClass(guessingFrom: safeName),
                              fileName: safeName, owner: owner, source: source, url: url, size: size, datasetId: nil)
        return try publishDataEntry(entry) { staging in
            try FileManager.default.moveItem(at: file, to: staging.appendingPathComponent(safeName))
        }
    }

    /// Imports an archive (zip, tar, tar.gz) as a new dataset, all or nothing, and records it as a
    /// data entry of `owner`. A failed import leaves no dataset and no entry. The archive is not kept.
    public func importDataArchive(_ archive: URL, name: String, fileClass: DataFileClass? = nil, owner: String,
                                  source: DataSourceKind = .zip, url: String? = nil,
                                  type: DatasetType = .classification, format: DatasetFormat = .imagenet) throws -> DataEntry {
        try requireWritable("importing an upload")
        let safeName = try Self.dataFileName(name)
        try Self.checkImportable(type: type, id: "the new dataset", from: archive, format: format)
        let stem = (safeName as NSString).deletingPathExtension
        let dataset = try createDataset(name: stem.isEmpty ? safeName : stem, type: type,
                                        description: "uploaded by \(owner) as \(safeName)")
        do {
            _ = try importDataset(dataset.id, from: archive, format: format)
        } catch {
            try? deleteDataset(dataset.id, force: true)
            // An archive or parse failure is the upload's fault, said as such.
            if let error = AIArtsError.plain(error) as? AIArtsError { throw error }
            throw AIArtsError(.badInput, "\(safeName) could not be imported as a \(type.rawValue) dataset in \(format.rawValue) layout: \(error)")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: archive.path)[.size] as? NSNumber)?.int64Value ?? 0
        let entry = DataEntry(id: 0, createdAt: Date(), fileClass: fileClass ?? .picture, fileName: safeName, owner: owner,
                              source: source, url: url, size: size, datasetId: dataset.id)
        do {
            return try publishDataEntry(entry) { _ in }
        } catch {
            try? deleteDataset(dataset.id, force: true)
            throw error
        }
    }

    /// Every entry (of `owner` when given), oldest first.
    public func dataEntries(owner: String? = nil) throws -> [DataEntry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dataFolder.path)) ?? []
        return names.compactMap(Int.init).sorted().compactMap { try? dataEntry($0) }.filter { owner == nil || $0.owner == owner }
    }

    public func dataEntry(_ id: Int) throws -> DataEntry {
        let file = dataFolder.appendingPathComponent("\(id)/entry.json")
        guard id > 0, let data = try? Data(contentsOf: file) else {
            throw AIArtsError(.notFound, "no data \(id) (GET /data/list/ lists your uploads)")
        }
        do { return try Self.dataDecoder.decode(DataEntry.self, from: data) } catch {
            throw AIArtsError(.badInput, "data \(id) has an unreadable entry.json: \(error)")
        }
    }

    /// An entry's content: the file (a CSV's rows), or for an imported zip its dataset folder's tree,
    /// or a file or folder inside it named by `relativePath` (confined to that folder).
    public func dataContent(_ id: Int, relativePath: String? = nil) throws -> DataContent {
        let entry = try dataEntry(id)
        let base: URL
        if let datasetId = entry.datasetId {
            let record = try dataset(datasetId)
            guard let folder = record.folder else { throw AIArtsError(.notFound, "dataset \(datasetId) of data \(id) has no files") }
            base = resolveFolder(folder)
        } else {
            base = dataFolder.appendingPathComponent("\(id)")
        }
        var target = entry.datasetId == nil ? base.appendingPathComponent(entry.fileName) : base
        if let relativePath, !relativePath.isEmpty {
            do {
                target = try SafePath.resolve(relativePath, under: base).url
            } catch {
                throw AIArtsError(.invalidArgument, "relative_path \(relativePath) is not inside data \(id): \(error)")
            }
            if entry.datasetId == nil && target.lastPathComponent == "entry.json" && target.deletingLastPathComponent().path == base.path {
                throw AIArtsError(.notFound, "no \(relativePath) in data \(id)")
            }
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target.path, isDirectory: &isFolder) else {
            throw AIArtsError(.notFound, "no \(relativePath ?? entry.fileName) in data \(id)")
        }
        if isFolder.boolValue {
            var budget = Self.dataTreeLimit
            return .tree(Self.tree(of: target, budget: &budget))
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: target.path)[.size] as? NSNumber)?.int64Value ?? 0
        if target.pathExtension.lowercased() == "csv", size <= Self.dataCSVRowsLimit,
           let text = try? String(contentsOf: target, encoding: .utf8) {
            return .rows(CSVRows.parse(text))
        }
        return .file(target)
    }

    /// Removes an entry, and the dataset its zip was imported as (refused, keeping both, while a
    /// project uses that dataset).
    public func deleteDataEntry(_ id: Int) throws {
        try requireWritable("deleting data \(id)")
        let entry = try dataEntry(id)
        if let datasetId = entry.datasetId, (try? dataset(datasetId)) != nil {
            try deleteDataset(datasetId)
        }
        let folder = dataFolder.appendingPathComponent("\(id)")
        let trash = dataFolder.appendingPathComponent(".staging/deleted-\(id)-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: trash.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.moveItem(at: folder, to: trash)
        } catch {
            // Another delete of the same entry got there first.
            guard FileManager.default.fileExists(atPath: folder.path) else {
                throw AIArtsError(.notFound, "no data \(id) (GET /data/list/ lists your uploads)")
            }
            throw AIArtsError(.io, "cannot remove \(folder.path): \(error.localizedDescription)")
        }
        try? FileManager.default.removeItem(at: trash)
    }

    /// The user's number, as the Django platform's `pk` and `owner` show it (stable while the user exists).
    public func userNumber(_ name: String) throws -> Int {
        guard let number = try store.pool.read({ try Int.fetchOne($0, sql: "SELECT rowid FROM user WHERE name = ?", arguments: [name]) }) else {
            throw AIArtsError(.notFound, "no user \(name) (see `aiarts user list`)")
        }
        return number
    }

    /// Every user's number by name.
    public func userNumbers() throws -> [String: Int] {
        try store.pool.read { db in
            var result: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, rowid AS n FROM user") { result[row["name"]] = row["n"] }
            return result
        }
    }

    // MARK: Internals

    static func dataFileName(_ name: String) throws -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        guard !last.isEmpty, last != ".", last != "..", !last.hasPrefix("."), last != "entry.json", last.utf8.count <= 255,
              !last.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw AIArtsError(.invalidArgument, "\(name.isEmpty ? "an empty name" : name) is not a usable file name (a name without a leading dot or control characters)")
        }
        return last
    }

    /// Builds the entry's folder in data/.staging, then renames it to data/<new id>: nothing half-made is listed.
    func publishDataEntry(_ draft: DataEntry, fill: (URL) throws -> Void) throws -> DataEntry {
        let staging = dataFolder.appendingPathComponent(".staging/\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        do {
            try fill(staging)
            var entry = draft
            entry.id = try store.pool.write { db -> Int in
                let current = try Int.fetchOne(db, sql: "SELECT next FROM idSequence WHERE kind = ?", arguments: [Self.dataSequenceKind]) ?? 1
                try db.execute(sql: "INSERT INTO idSequence(kind, next) VALUES (?, ?) ON CONFLICT(kind) DO UPDATE SET next = excluded.next",
                               arguments: [Self.dataSequenceKind, current + 1])
                return current
            }
            try Self.dataEncoder.encode(entry).write(to: staging.appendingPathComponent("entry.json"))
            try FileManager.default.moveItem(at: staging, to: dataFolder.appendingPathComponent("\(entry.id)"))
            return entry
        } catch {
            try? FileManager.default.removeItem(at: staging)
            if let error = AIArtsError.plain(error) as? AIArtsError { throw error }
            throw AIArtsError(.io, "cannot keep the upload under \(dataFolder.path): \(error.localizedDescription)")
        }
    }

    private static func tree(of folder: URL, budget: inout Int) -> DataTree {
        var children: [String: DataTree] = [:]
        for entry in DirectoryListing.entries(folder.path) {
            guard budget > 0, let name = entry.name, !name.hasPrefix(".") else { continue }
            budget -= 1
            switch entry.kind {
            case .file: children[name] = .file(name)
            case .directory: children[name] = tree(of: folder.appendingPathComponent(name), budget: &budget)
            default: continue
            }
        }
        return .folder(children)
    }

    private static var dataEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return encoder
    }

    private static var dataDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// CSV text as rows keyed by the header line's names (RFC 4180 quoting), as the Django platform serves a CSV file.
enum CSVRows {
    static func parse(_ text: String) -> [[String: String]] {
        var records: [[String]] = []
        var field = "", record: [String] = [], quoted = false, afterQuote = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func endField() { record.append(field); field = ""; afterQuote = false }
        func endRecord() { endField(); if !(record.count == 1 && record[0].isEmpty) { records.append(record) }; record = [] }
        while let c = pending ?? iterator.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; afterQuote = true; pending = next }
                    } else { quoted = false }
                } else { field.unicodeScalars.append(c) }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !afterQuote: quoted = true
            case ",": endField()
            case "\r": continue
            case "\n": endRecord()
            default: field.unicodeScalars.append(c)
            }
        }
        if !field.isEmpty || !record.isEmpty { endRecord() }
        guard let header = records.first else { return [] }
        return records.dropFirst().map { row in
            var object: [String: String] = [:]
            for (index, name) in header.enumerated() { object[name] = index < row.count ? row[index] : "" }
            return object
        }
    }
}
