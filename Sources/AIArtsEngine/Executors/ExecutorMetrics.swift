import Foundation

/// How a task's metrics reach aiarts when the trainer may write them from another host: a task on an
/// executor writes into the shared task folder from a compute node, which this machine's inotify never
/// hears about, and a folder on NFS, CIFS or FUSE is the same. Its feed then also polls
/// (`MetricsFeed.pollInterval`), and `task show` and the task's message say so (docs/slurm.md).
extension Workspace {
    /// Seconds between the metrics feed's reads of a task's folder besides inotify (nil: inotify
    /// alone), and why.
    public func metricsPolling(_ taskID: String) -> (interval: TimeInterval, reason: String)? {
        if let executor = try? slurmInfo(taskID)?.executor {
            return (MetricsFeed.defaultPollInterval, "the task runs on executor \(executor), whose writes inotify cannot see")
        }
        if let type = MetricsFeed.networkFilesystem(taskFolder(taskID).path) {
            return (MetricsFeed.defaultPollInterval, "the task folder is on \(type), whose writes from other hosts inotify cannot see")
        }
        return nil
    }

    /// The live metrics feed of a task's folder, polling where `metricsPolling` says so. Not started.
    public func metricsFeed(_ taskID: String) -> MetricsFeed {
        MetricsFeed(folder: taskFolder(taskID).path, pollInterval: .some(metricsPolling(taskID)?.interval))
    }

    /// "polling every 2 s": how a front end words the feed's interval.
    public static func pollingText(_ interval: TimeInterval) -> String {
        let shown = interval == interval.rounded() ? String(Int(interval)) : String(format: "%.1f", interval)
        return "polling every \(shown) s"
    }

    /// What `task show` says of a task on an executor: its Slurm job and how its metrics are followed.
    /// Empty for a task on this machine whose folder inotify sees.
    public func executorLines(_ taskID: String) -> [String] {
        var lines: [String] = []
        if let info = try? slurmInfo(taskID), let executor = info.executor {
            var job = "executor: \(executor)"
            if let id = info.jobId {
                job += " (Slurm job \(id)"
                if let state = info.state { job += ", \(state)" }
                if let nodes = info.nodes, !nodes.isEmpty { job += " on \(nodes)" }
                if let reason = info.reason, reason != "None", info.state == "PENDING" { job += ", reason \(reason)" }
                if let restarts = info.restarts, restarts > 0 { job += ", requeued \(restarts)×" }
                job += ")"
            }
            lines.append(job)
        }
        if let polling = metricsPolling(taskID) {
            lines.append("metrics: \(Self.pollingText(polling.interval)) (\(polling.reason))")
        }
        return lines
    }
}
