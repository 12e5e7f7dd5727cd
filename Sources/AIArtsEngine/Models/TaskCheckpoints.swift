import Foundation

/// A checkpoint a task saved, as the registry finds it.
public struct TaskCheckpoint: Equatable, Sendable {
    /// The checkpoint folder (aiarts-train: checkpoints/epoch_N) or file.
    public var url: URL
    public var epoch: Int?
    /// The trainer marked it best (`"best": true` on its checkpoint line).
    public var best: Bool
}

extension Workspace {
    /// The checkpoint `registerModel(fromTask:)` copies: the one of `epoch`, or when nil the last
    /// one marked best, else the last one. Checkpoints come from the `checkpoint` lines of
    /// metrics.jsonl; a trainer that writes none is looked for in checkpoints/epoch_N (folder or file).
    /// `preferBest: false` takes the last one when no epoch is named (what a resume continues from).
    public func taskCheckpoint(_ taskID: String, epoch: Int? = nil, preferBest: Bool = true) throws -> TaskCheckpoint {
        _ = try task(taskID)
        return try taskCheckpoint(taskID, epoch: epoch, metrics: try taskMetricTable(taskID).table, preferBest: preferBest)
    }

    /// Every checkpoint of a task that is on disk, as a front end lists them: the last one marked
    /// best first (the only one left marked best: what `model register` takes), then the others
    /// newest first. Empty when it has saved none yet.
    public func taskCheckpoints(_ taskID: String) throws -> [TaskCheckpoint] {
        _ = try task(taskID)
        var found = checkpointsOnDisk(taskID, metrics: try taskMetricTable(taskID).table).found
        let best = found.lastIndex(where: \.best)
        for i in found.indices where i != best { found[i].best = false }
        return (best.map { [found[$0]] } ?? []) + found.indices.reversed().filter { $0 != best }.map { found[$0] }
    }

    func taskCheckpoint(_ taskID: String, epoch: Int?, metrics: MetricTable, preferBest: Bool = true) throws -> TaskCheckpoint {
        let folder = taskFolder(taskID)
        let (found, escapes) = checkpointsOnDisk(taskID, metrics: metrics)
        if found.isEmpty {
            var message = "\(taskID) has no checkpoint yet: metrics.jsonl reports none that exists and \(folder.appendingPathComponent("checkpoints").path) holds no epoch_N"
            if !escapes.isEmpty { message += "; refused: \(FileTree.list(escapes))" }
            throw AIArtsError(.notFound, message)
        }
        guard let epoch else {
            return (preferBest ? found.last(where: \.best) : nil) ?? found[found.count - 1]
        }
        let matches = found.filter { $0.epoch == epoch }
        // A stop in the middle of an epoch saves epoch_E_step_S for the epoch in progress; the
        // completed epoch_E, when there is one, is what "epoch E" means.
        if let pick = matches.last(where: { !$0.url.lastPathComponent.contains("_step_") }) ?? matches.last {
            return pick
        }
        let epochs = Array(Set(found.compactMap(\.epoch))).sorted().map(String.init).joined(separator: ", ")
        throw AIArtsError(.notFound, "\(taskID) has no checkpoint of epoch \(epoch); it has epoch \(epochs.isEmpty ? "none numbered" : epochs)")
    }

    /// The checkpoints that exist, oldest first: from the `checkpoint` lines of metrics.jsonl, else
    /// checkpoints/epoch_N; with the reported paths refused for leaving the task folder.
    private func checkpointsOnDisk(_ taskID: String, metrics: MetricTable) -> (found: [TaskCheckpoint], escapes: [String]) {
        let folder = taskFolder(taskID)
        let fm = FileManager.default
        // Paths in metrics.jsonl are written by the trainer: a relative one must stay inside the
        // task folder (symlinks included); an absolute one is where the user's own script saved it.
        var reported: [TaskCheckpoint] = []
        var escapes: [String] = []
        for c in Self.currentCheckpoints(metrics.checkpoints) {
            guard let raw = c.path, !raw.isEmpty else { continue }
            let url: URL
            if raw.hasPrefix("/") {
                url = URL(fileURLWithPath: raw).standardizedFileURL
            } else {
                do { url = try SafePath.resolve(raw, under: folder).url } catch {
                    escapes.append("\(raw) (\(error.reason))")
                    continue
                }
            }
            guard fm.fileExists(atPath: url.path) else { continue }
            reported.append(TaskCheckpoint(url: url, epoch: c.epoch.flatMap { Int(exactly: $0) }, best: c.best))
        }
        return (reported.isEmpty ? savedCheckpoints(in: folder) : reported, escapes)
    }

    /// The checkpoint lines that still describe what is on disk. A run resumed from epoch E writes
    /// epoch E+1 ... again into the same folders, so a line of epoch ≥ E+1 from before the resume
    /// (and its `best` mark) no longer describes them: each line drops earlier ones of its epoch or
    /// later. This also drops a mid-epoch checkpoint once that epoch is completed.
    static func currentCheckpoints(_ lines: [MetricCheckpoint]) -> [MetricCheckpoint] {
        var kept: [MetricCheckpoint] = []
        for line in lines {
            if let epoch = line.epoch { kept.removeAll { ($0.epoch ?? -.infinity) >= epoch } }
            kept.append(line)
        }
        return kept
    }

    /// checkpoints/epoch_N (a folder, or a file such as epoch_N.pt), by epoch.
    func savedCheckpoints(in taskFolder: URL) -> [TaskCheckpoint] {
        let folder = taskFolder.appendingPathComponent("checkpoints")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        var found: [TaskCheckpoint] = []
        for name in names where name.hasPrefix("epoch_") {
            let digits = name.dropFirst("epoch_".count).prefix(while: \.isNumber)
            let rest = name.dropFirst("epoch_".count + digits.count)
            guard let n = Int(digits), rest.isEmpty || rest.hasPrefix(".") else { continue }
            let url = folder.appendingPathComponent(name)
            // Only what lies inside the task folder: a link planted there is not followed out.
            guard (try? SafePath.confine(url, relative: "checkpoints/" + name, under: taskFolder)) != nil else { continue }
            found.append(TaskCheckpoint(url: url, epoch: n, best: false))
        }
        return found.sorted { ($0.epoch ?? 0, $0.url.path) < ($1.epoch ?? 0, $1.url.path) }
    }

    /// The `eval` values the trainer reported for `epoch` (the last of each), keyed without "eval/".
    static func evaluation(in metrics: MetricTable, epoch: Int) -> [String: Double]? {
        var values: [String: Double] = [:]
        for name in metrics.names where name.hasPrefix("eval/") {
            guard let point = metrics[name]?.points.last(where: { $0.epoch == Double(epoch) }), point.value.isFinite else { continue }
            values[String(name.dropFirst("eval/".count))] = point.value
        }
        return values.isEmpty ? nil : values
    }
}
