import Foundation

extension Workspace {
    /// The task's newest evaluation kept on disk (`evaluateTask` writes each report as
    /// tasks/Txxxx/eval/epoch_N_<split>.metrics.json); nil when it has never been evaluated.
    /// A report that cannot be read is passed over for an older one.
    public func latestEvaluation(_ taskID: String) throws -> TaskEvaluation? {
        _ = try task(taskID)
        let folder = taskFolder(taskID).appendingPathComponent("eval")
        let fm = FileManager.default
        let reports = ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".metrics.json") && !$0.hasPrefix(".") }
            .compactMap { name -> (URL, Date)? in
                let url = folder.appendingPathComponent(name)
                guard (try? SafePath.confine(url, relative: "eval/\(name)", under: taskFolder(taskID))) != nil,
                      let written = (try? fm.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date else { return nil }
                return (url, written)
            }
            .sorted { $0.1 > $1.1 }
        for (url, _) in reports {
            if let data = try? Data(contentsOf: url), let evaluation = try? JSONDecoder().decode(TaskEvaluation.self, from: data) {
                return evaluation
            }
        }
        return nil
    }
}
