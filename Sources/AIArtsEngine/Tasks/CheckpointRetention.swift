import Foundation
import Logging

/// Checkpoint retention (`keep_checkpoints`, docs/tasks.md): keep the last N checkpoints a task
/// reported and the best one, delete the older ones. Driven by the metrics protocol's
/// `checkpoint` lines, so it works the same for every trainer, a command task's script included.
public enum CheckpointRetention {
    /// The checkpoints `lines` name that may be deleted: inside `folder`, existing, not among the
    /// last `keep` distinct paths, not the last one marked best, not in `protected` (absolute
    /// paths) and not a folder holding one that is kept. `keep` 0 keeps everything. A line's path
    /// that is absolute or leaves the folder is never touched: it is not the task's to delete.
    public static func prunable(folder: URL, lines: [MetricCheckpoint], keep: Int, protected: Set<String> = []) -> [URL] {
        guard keep > 0 else { return [] }
        let current = Workspace.currentCheckpoints(lines)
        // Distinct paths in the order last written; a trainer may rewrite the same file each epoch.
        var order: [String] = []
        for line in current {
            guard let raw = line.path, !raw.isEmpty, !raw.hasPrefix("/"), let path = try? SafePath.normalize(raw) else { continue }
            order.removeAll { $0 == path }
            order.append(path)
        }
        var kept = Set(order.suffix(keep))
        if let best = current.last(where: \.best)?.path, let path = try? SafePath.normalize(best) { kept.insert(path) }
        let protectedRelative = protected.compactMap { abs -> String? in
            let root = folder.standardizedFileURL.path + "/"
            return abs.hasPrefix(root) ? String(abs.dropFirst(root.count)) : nil
        }
        kept.formUnion(protectedRelative)
        return order.dropLast(min(keep, order.count)).compactMap { path -> URL? in
            // A protected file inside a checkpoint folder (a derived task's model.pt) keeps the folder.
            guard !kept.contains(path), !kept.contains(where: { $0.hasPrefix(path + "/") }),
                  let resolved = try? SafePath.resolve(path, under: folder),
                  FileManager.default.fileExists(atPath: resolved.url.path) else { return nil }
            return resolved.url
        }
    }

    /// Deletes what `prunable` names. Each is renamed to a hidden name first (one atomic step), so
    /// a reader or a crash never meets half a checkpoint under its own name. Returns what went.
    @discardableResult
    public static func prune(folder: URL, lines: [MetricCheckpoint], keep: Int, protected: Set<String> = []) -> [URL] {
        var deleted: [URL] = []
        for url in prunable(folder: folder, lines: lines, keep: keep, protected: protected) {
            let hidden = url.deletingLastPathComponent().appendingPathComponent(".pruned-\(url.lastPathComponent)-\(UUID().uuidString)")
            guard rename(url.path, hidden.path) == 0 else { continue }
            try? FileManager.default.removeItem(at: hidden)
            deleted.append(url)
        }
        return deleted
    }
}

extension Workspace {
    /// Applies the task's `keep_checkpoints` to what its trainer reported (absent: keep all, as
    /// tasks made before it existed did). Checkpoints another task starts from (`pretrained`) and
    /// the one a resume continues from are kept. Run when the engine records the end of a run.
    @discardableResult
    public func pruneTaskCheckpoints(_ id: String) throws -> [URL] {
        let record = try task(id)
        let params = TaskParams.decode(record.params)
        guard let keep = params["keep_checkpoints"].flatMap({ Int($0) }), keep > 0 else { return [] }
        var protected = Set(try tasks().compactMap { TaskParams.decode($0.params)["pretrained"] })
        if let resume = params["resume_from"] { protected.insert(resume) }
        let deleted = CheckpointRetention.prune(folder: taskFolder(id), lines: try taskMetricTable(id).table.checkpoints,
                                                keep: keep, protected: protected)
        if !deleted.isEmpty {
            log.info("\(id): deleted \(deleted.count) older checkpoints (keep_checkpoints=\(keep)): \(deleted.map(\.lastPathComponent).joined(separator: ", "))")
        }
        return deleted
    }
}
