import Foundation

/// A task's newest `task predict` run, as a front end shows it: the run's folder under
/// predict/, its predictions.json decoded, and what was left out and why.
public struct PredictionRun: Sendable, Equatable {
    /// The run folder's name (`epoch_16-2026-03-01T101500Z`).
    public var name: String
    public var folder: URL
    public var predictions: TaskPredictions
    /// Newer runs that could not be read, and drawn images refused, each with the reason
    /// ("predict/epoch_3-…/predictions.json: not JSON …"), paths relative to the task folder.
    public var skipped: [String]

    /// The first image predicted without an error: the one a front end shows.
    public var firstPredicted: ImagePrediction? { predictions.images.first { $0.error == nil } }
}

extension Workspace {
    /// The task's newest prediction run that can be read: predict/<run>/predictions.json, newest
    /// written first. Everything read stays inside the task folder: a run folder or drawn image
    /// that is (or leads through a link) elsewhere is left out and said in `skipped`, as is a
    /// predictions.json that cannot be decoded (an older run is shown instead). nil when the task
    /// has predicted nothing yet.
    public func latestPrediction(_ taskID: String) throws -> PredictionRun? {
        _ = try task(taskID)
        let folder = taskFolder(taskID)
        let root = folder.appendingPathComponent("predict")
        let fm = FileManager.default
        var skipped: [String] = []
        var runs: [(name: String, folder: URL, file: URL, written: Date)] = []
        for name in ((try? fm.contentsOfDirectory(atPath: root.path)) ?? []) where !name.hasPrefix(".") {
            let shown = "predict/\(name)"
            let run: URL
            do { run = try SafePath.resolve(shown, under: folder, literal: true).url } catch {
                skipped.append("\(shown): \(Self.taskFolderEscape)")
                continue
            }
            let file = run.appendingPathComponent("predictions.json")
            guard let attributes = try? fm.attributesOfItem(atPath: file.path) else { continue }  // a run still writing, or not one
            if (try? SafePath.confine(file, relative: shown + "/predictions.json", under: folder)) == nil {
                skipped.append("\(shown)/predictions.json: \(Self.taskFolderEscape)")
                continue
            }
            runs.append((name, run, file, attributes[.modificationDate] as? Date ?? .distantPast))
        }
        // Newest written first; run names (epoch_N-<time>) sort by epoch, not by when they ran.
        runs.sort { ($0.written, $0.name) > ($1.written, $1.name) }
        for run in runs {
            let shown = "predict/\(run.name)/predictions.json"
            let predictions: TaskPredictions
            do {
                predictions = try JSONDecoder().decode(TaskPredictions.self, from: try Data(contentsOf: run.file))
            } catch {
                skipped.append("\(shown): cannot be read (\(Self.decodingReason(error)))")
                continue
            }
            var confined = predictions
            for i in confined.images.indices {
                guard let drawn = confined.images[i].drawn else { continue }
                if !Self.isInside(drawn, folder: folder) {
                    skipped.append("\(shown): drawn image \(drawn): \(Self.taskFolderEscape)")
                    confined.images[i].drawn = nil
                }
            }
            return PredictionRun(name: run.name, folder: run.folder, predictions: confined, skipped: skipped)
        }
        return nil
    }

    static let taskFolderEscape = "outside the task folder (a link or an absolute path), left out"

    /// Whether an absolute path the trainer wrote is inside `folder`, links followed.
    static func isInside(_ path: String, folder: URL) -> Bool {
        guard path.hasPrefix("/") else { return false }
        let base = SafePath.realPath(folder.path) ?? folder.standardizedFileURL.path
        let real = SafePath.realPath(path) ?? URL(fileURLWithPath: path).standardizedFileURL.path
        return real.hasPrefix(base.hasSuffix("/") ? base : base + "/")
    }

    static func decodingReason(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): return "not JSON: \(context.debugDescription)"
        case DecodingError.keyNotFound(let key, _): return "no \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: return (error as? CocoaError)?.localizedDescription ?? "\(error)"
        }
    }
}
