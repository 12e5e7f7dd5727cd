#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Where a task folder's metrics come from, and which source wins when two name the same series
/// (docs/metrics-protocol.md, "Where a task's metrics come from").
///
/// - rank 0, the protocol: `metrics.jsonl`;
/// - rank 1, files trainers write beside their log: TensorBoard `events.out.tfevents.*`,
///   Lightning `metrics.csv`, ultralytics `results.csv`, and the newest Hugging Face
///   `trainer_state.json`, found at most `maxDepth` folders down;
/// - rank 2, the console log `train.log`, read only while `metrics.jsonl` has no record.
///
/// A series from a lower rank is shown only when no higher rank has a series of that name;
/// sources of the same rank (two event files of one run) add their points to one series.
public enum TaskMetricSources {
    public static let maxDepth = 4
    /// At most this many rank-1 files, and this many folders visited, per task.
    public static let maxFiles = 64
    public static let maxFolders = 512

    public struct Source: Equatable, Sendable {
        public var path: String
        public var kind: MetricSourceKind
        public var rank: Int
    }

    /// The task's sources: metrics.jsonl and train.log always (they may not exist yet), then
    /// the rank-1 files found now, in path order.
    public static func discover(folder: String) -> [Source] {
        var out = [
            Source(path: folder + "/metrics.jsonl", kind: .protocolLines, rank: 0),
            Source(path: folder + "/train.log", kind: .log(nil), rank: 2),
        ]
        var found: [String] = []
        var states: [(path: String, mtime: Double)] = []
        var folders = 0
        walk(folder, depth: 0, folders: &folders) { path, name, mtime in
            if name.hasPrefix("events.out.tfevents.") || name == "metrics.csv" || name == "results.csv" {
                if found.count < maxFiles { found.append(path) }
            } else if name == "trainer_state.json" {
                states.append((path, mtime))
            }
        }
        for path in found.sorted() {
            let name = (path as NSString).lastPathComponent
            let kind: MetricSourceKind = name.hasPrefix("events.out.tfevents.") ? .tfevents
                : name == "results.csv" ? .csv(.ultralytics) : .csv(nil)
            out.append(Source(path: path, kind: kind, rank: 1))
        }
        // Every checkpoint-N/ holds a trainer_state.json; the newest has the whole history.
        if let newest = states.max(by: { $0.mtime != $1.mtime ? $0.mtime < $1.mtime : $0.path < $1.path }) {
            out.append(Source(path: newest.path, kind: .trainerState, rank: 1))
        }
        return out
    }

    /// Folders to watch for new files: the task folder and its subfolders down to `maxDepth`.
    public static func folders(under folder: String) -> [String] {
        var out = [folder]
        var count = 0
        walkFolders(folder, depth: 0, count: &count) { out.append($0) }
        return out
    }

    private static func walk(_ folder: String, depth: Int, folders: inout Int, _ visit: (String, String, Double) -> Void) {
        guard folders < maxFolders, let dir = opendir(folder) else { return }
        folders += 1
        defer { closedir(dir) }
        var subfolders: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix(".") { continue }
            let path = folder + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }  // links are not followed
            switch info.st_mode & S_IFMT {
            case S_IFDIR: if depth < maxDepth { subfolders.append(path) }
            case S_IFREG: visit(path, name, Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
            default: continue
            }
        }
        for sub in subfolders.sorted() { walk(sub, depth: depth + 1, folders: &folders, visit) }
    }

    private static func walkFolders(_ folder: String, depth: Int, count: inout Int, _ visit: (String) -> Void) {
        guard depth < maxDepth, count < maxFolders, let dir = opendir(folder) else { return }
        defer { closedir(dir) }
        var subfolders: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix(".") { continue }
            var info = stat()
            let path = folder + "/" + name
            if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { subfolders.append(path) }
        }
        for sub in subfolders.sorted() where count < maxFolders {
            count += 1
            visit(sub)
            walkFolders(sub, depth: depth + 1, count: &count, visit)
        }
    }

    /// The rank of the console log, which the protocol hides.
    public static let logRank = 2

    /// The protocol hides the console log once metrics.jsonl has a point or a checkpoint: the
    /// log is then not read, and what was read of it is void. The one place this rule lives.
    public static func protocolHidesLog(_ readers: [(rank: Int, reader: MetricSourceReader)]) -> Bool {
        guard let p = readers.first(where: { $0.rank == 0 })?.reader.table else { return false }
        return p.pointCount > 0 || !p.checkpoints.isEmpty
    }

    /// The readers whose tables count: all but the log's when the protocol hides it.
    public static func visible(_ readers: [(rank: Int, reader: MetricSourceReader)]) -> [(rank: Int, reader: MetricSourceReader)] {
        protocolHidesLog(readers) ? readers.filter { $0.rank != logRank } : readers
    }

    /// Combines the sources' tables by rank (see the type's documentation).
    public static func merge(_ readers: [(rank: Int, reader: MetricSourceReader)]) -> MetricTable {
        var byRank: [Int: MetricTable] = [:]
        for (rank, reader) in visible(readers) {
            if var table = byRank[rank] { table.merge(sameRank: reader.table); byRank[rank] = table } else { byRank[rank] = reader.table }
        }
        var out = MetricTable()
        for rank in byRank.keys.sorted() { out.merge(lowerPrecedence: byRank[rank]!) }
        return out
    }

    /// `merge(readers).progress.current` without building the merged table: the progress of the
    /// first source, by rank and then in order, that observed any (what `merge` keeps).
    public static func progress(_ readers: [(rank: Int, reader: MetricSourceReader)]) -> TrainingProgress {
        let ordered = visible(readers).enumerated().sorted { ($0.element.rank, $0.offset) < ($1.element.rank, $1.offset) }
        for (_, r) in ordered {
            let p = r.reader.table.progress.current
            if p != TrainingProgress() { return p }
        }
        return TrainingProgress()
    }

    /// Which series names each visible reader provides after ranks are applied: name → the
    /// indices (into `readers`) of the readers of the lowest rank that have it.
    static func owners(_ readers: [(rank: Int, reader: MetricSourceReader)]) -> [String: [Int]] {
        let hidden = protocolHidesLog(readers)
        var best: [String: (rank: Int, readers: [Int])] = [:]
        for (i, r) in readers.enumerated() where !(hidden && r.rank == logRank) {
            for name in r.reader.table.names {
                if let b = best[name] {
                    if r.rank < b.rank { best[name] = (r.rank, [i]) } else if r.rank == b.rank { best[name]!.readers.append(i) }
                } else {
                    best[name] = (r.rank, [i])
                }
            }
        }
        return best.mapValues(\.readers)
    }
}
