import Foundation
import GRDB
import Logging

/// A workspace folder: the database and the datasets, tasks and models it describes (docs/architecture.md, "The workspace").
public final class Workspace: Sendable {
    public let root: URL
    public let store: Store
    /// Where the task queue reads the GPUs' free memory.
    public let gpuProbe: GPUProbe
    let log: Logger
    /// Imports found dead and restored by this object (ImportClaim.swift).
    let recoveredImports = RecoveredImports()
    /// Metric readers of the tasks that have not ended (TaskMetricSummaries.swift).
    let liveMetrics = LiveTaskMetrics()

    /// Where a workspace lives when none is named: $AIARTS_WORKSPACE, else $XDG_DATA_HOME/aiarts,
    /// else ~/.local/share/aiarts.
    public static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let path = environment["AIARTS_WORKSPACE"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg).appendingPathComponent("aiarts")
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".local/share/aiarts")
    }

    /// Opens the workspace at `root`, creating its folders and database if they don't exist
    /// (front ends first ask `WorkspaceFolder.check` whether a workspace may be made there).
    /// A workspace that cannot be written is opened read-only (`isReadOnly`).
    public convenience init(root: URL) throws {
        try self.init(root: root, gpuProbe: .system)
    }

    /// `gpuProbe` says how much GPU memory is free, for the task queue (tests pass their own).
    public init(root: URL, gpuProbe: GPUProbe) throws {
        self.root = root.standardizedFileURL
        self.gpuProbe = gpuProbe
        let fm = FileManager.default
        let readOnly: Bool
        if case .workspace(let ro) = WorkspaceFolder.inspect(self.root) { readOnly = ro } else { readOnly = false }
        if !readOnly {
            do {
                for sub in ["", "datasets", "tasks", "models", "logs"] {
                    try fm.createDirectory(at: self.root.appendingPathComponent(sub), withIntermediateDirectories: true)
                }
            } catch {
                throw AIArtsError(.io, "cannot create the workspace at \(self.root.path): \(error.localizedDescription); pass --workspace DIR or set AIARTS_WORKSPACE to a writable folder")
            }
        }
        let database = self.root.appendingPathComponent(WorkspaceFolder.databaseName).path
        do {
            store = try Store(path: database, readOnly: readOnly)
        } catch let error as AIArtsError {
            throw error
        } catch {
            throw AIArtsError(.io, "cannot open \(database): \(error)")
        }
        log = Logger(label: "aiarts.workspace")
        // An import whose process was killed left its dataset mid-import and a partial copy in
        // datasets/.staging: put both right before anyone reads them (ImportClaim.swift).
        do { try recoverInterruptedImports() } catch { log.warning("cannot recover interrupted imports: \(error)") }
        cleanImportStaging()
    }

    /// True when this process cannot write the workspace: reading works, writing says so in plain words.
    public var isReadOnly: Bool { store.readOnly }

    /// Refuses work that writes, on a read-only workspace, saying what it would have written.
    func requireWritable(_ what: String) throws {
        if isReadOnly { throw AIArtsError(.io, "the workspace is read-only for this user: \(what)") }
    }

    var datasetsFolder: URL { root.appendingPathComponent("datasets") }

    /// Resolves a stored folder: relative ones live inside the workspace, absolute ones were registered in place.
    func resolveFolder(_ stored: String) -> URL {
        stored.hasPrefix("/") ? URL(fileURLWithPath: stored) : root.appendingPathComponent(stored)
    }
}
