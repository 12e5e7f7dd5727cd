import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The folder of a notebook session, `codes/<id>/`: JupyterLab's root. It holds `dataset` (a
/// symbolic link to the dataset's folder: linked, never copied), `aiarts_metrics.py` (the snippet),
/// `start.ipynb` (a starter notebook using it), `metrics.jsonl` (what the snippet writes),
/// `jupyter.log` and `exit_status` (the supervisor's exit record).
extension Workspace {
    var codesFolder: URL { root.appendingPathComponent("codes") }

    public func codeSessionFolder(_ id: String) -> URL { codesFolder.appendingPathComponent(id) }

    static let codeLogName = "jupyter.log"
    static let codeMetricsName = "metrics.jsonl"
    static let codeDatasetLinkName = "dataset"
    static let codeStarterName = "start.ipynb"

    /// Makes the folder with the snippet, the starter notebook and the dataset's link.
    func prepareCodeSessionFolder(_ session: CodeSession, datasetFolder: URL?) throws {
        let folder = codeSessionFolder(session.id)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(PackageResources.aiarts_metrics_py).write(to: folder.appendingPathComponent("aiarts_metrics.py"), options: .atomic)
        let starter = folder.appendingPathComponent(Self.codeStarterName)
        if !FileManager.default.fileExists(atPath: starter.path) {
            try Self.starterNotebook(hasDataset: datasetFolder != nil).write(to: starter, options: .atomic)
        }
        if let datasetFolder {
            let link = folder.appendingPathComponent(Self.codeDatasetLinkName)
            unlink(link.path)
            try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: datasetFolder.path)
        }
    }

    /// Deletes the folder: the dataset's link is unlinked first, and the walk never follows a link,
    /// so nothing of the dataset goes with it.
    func removeCodeSessionFolder(_ id: String) {
        let folder = codeSessionFolder(id)
        let link = folder.appendingPathComponent(Self.codeDatasetLinkName)
        var info = stat()
        if lstat(link.path, &info) == 0, info.st_mode & S_IFMT == S_IFLNK { unlink(link.path) }
        Self.removeTreeWithoutFollowing(folder.path)
    }

    /// rm -r that unlinks every symbolic link it meets instead of entering it.
    static func removeTreeWithoutFollowing(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                removeTreeWithoutFollowing(path + "/" + name)
            }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// The newest value of each series the session's notebooks logged, read with the engine's
    /// protocol reader (skipped lines are counted there, never fatal). Empty before the first line.
    public func codeSessionMetrics(_ ref: String) throws -> [CodeSessionMetric] {
        let session = try codeSession(ref)
        return Self.latestMetrics(codeSessionFolder(session.id).appendingPathComponent(Self.codeMetricsName))
    }

    static func latestMetrics(_ file: URL) -> [CodeSessionMetric] {
        guard FileManager.default.fileExists(atPath: file.path) else { return [] }
        var reader = MetricSourceReader(path: file.path, kind: .protocolLines)
        while (try? reader.update()) == true {}
        reader.finish()
        return reader.table.columns.compactMap { column in
            guard column.count > 0 else { return nil }
            let last = column.count - 1
            return CodeSessionMetric(name: column.name, value: column.values[last], step: column.step(at: last), points: column.count)
        }.sorted { $0.name < $1.name }
    }

    /// A notebook (nbformat 4) that shows the dataset and logs a metric with the snippet.
    static func starterNotebook(hasDataset: Bool) throws -> Data {
        func markdown(_ text: String) -> [String: Any] { ["cell_type": "markdown", "metadata": [String: Any](), "source": text] }
        func code(_ text: String) -> [String: Any] {
            ["cell_type": "code", "metadata": [String: Any](), "source": text, "outputs": [Any](), "execution_count": NSNull()]
        }
        var cells: [[String: Any]] = [markdown("""
            # An aiarts notebook

            `aiarts_metrics.log(step=…, **metrics)` writes a line of aiarts' metrics protocol; \
            `aiarts code show` lists the newest value of each series.\(hasDataset ? " The dataset is linked at `dataset/` (not a copy: do not change its files)." : "")
            """)]
        if hasDataset {
            cells.append(code("""
                import os
                for root, folders, files in os.walk("dataset", followlinks=True):
                    print(root, len(files), "files")
                    if root.count(os.sep) >= 2:
                        break
                """))
        }
        cells.append(code("""
            import aiarts_metrics
            for step in range(1, 11):
                aiarts_metrics.log(step=step, loss=1.0 / step)
            """))
        let notebook: [String: Any] = [
            "nbformat": 4, "nbformat_minor": 4, "cells": cells,
            "metadata": ["kernelspec": ["name": "python3", "display_name": "Python 3", "language": "python"]],
        ]
        return try JSONSerialization.data(withJSONObject: notebook, options: [.prettyPrinted, .sortedKeys])
    }
}
