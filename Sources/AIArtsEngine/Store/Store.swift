import Foundation
import GRDB

/// The workspace database: SQLite in WAL mode, versioned migrations, and a busy timeout so that
/// several aiarts processes (a UI, a CLI, a detached import) share one workspace without losing writes.
public final class Store: Sendable {
    public let pool: DatabasePool
    /// Opened without write access: every write fails with SQLITE_READONLY, which
    /// `AIArtsError.plain` turns into words.
    public let readOnly: Bool

    public init(path: String, readOnly: Bool = false) throws {
        self.readOnly = readOnly
        var config = Configuration()
        // Writers wait for each other instead of failing with SQLITE_BUSY.
        config.busyMode = .timeout(30)
        config.readonly = readOnly
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            if !readOnly { try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        }
        guard readOnly else {
            pool = try DatabasePool(path: path, configuration: config)
            try Self.migrator.migrate(pool)
            return
        }
        pool = try Self.openReadOnly(path: path, configuration: config)
        if try !pool.read({ try Self.migrator.hasCompletedMigrations($0) }) {
            throw AIArtsError(.io, "\(path) was written by an older aiarts and needs an upgrade, which cannot be written: the workspace is read-only (open it once as a user who can write it)")
        }
    }

    /// A WAL database is readable without write access only while its -shm file exists; when it
    /// does not (the last writer closed it), SQLite reads it as immutable, which is right as long
    /// as nobody writes it meanwhile — and nobody who could would leave it without a -shm file.
    private static func openReadOnly(path: String, configuration: Configuration) throws -> DatabasePool {
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            _ = try pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM sqlite_master") }
            return pool
        } catch {
            var allowed = CharacterSet.urlPathAllowed
            allowed.remove(charactersIn: "?#%")
            let escaped = path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
            return try DatabasePool(path: "file:\(escaped)?immutable=1", configuration: configuration)
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "idSequence") { t in
                t.primaryKey("kind", .text)
                t.column("next", .integer).notNull()
            }
            try db.create(table: "dataset") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull()
                t.column("description", .text).notNull().defaults(to: "")
                t.column("type", .text).notNull()
                t.column("status", .text).notNull()
                t.column("statusMessage", .text).notNull().defaults(to: "")
                t.column("progress", .double).notNull().defaults(to: 0)
                t.column("createdAt", .datetime).notNull()
                t.column("folder", .text)
                t.column("inPlace", .boolean).notNull().defaults(to: false)
                t.column("sourcePath", .text)
                t.column("format", .text)
                t.column("cancelRequested", .boolean).notNull().defaults(to: false)
                t.column("splitSource", .text)
                t.column("splitSeed", .integer)
                t.column("valRatio", .double)
                t.column("testRatio", .double)
            }
            try db.create(table: "label") { t in
                t.column("datasetId", .text).notNull().references("dataset", onDelete: .cascade)
                t.column("idx", .integer).notNull()
                t.column("name", .text).notNull()
                /// Annotations carrying the label, kept by whoever writes annotations.
                t.column("count", .integer).notNull().defaults(to: 0)
                t.primaryKey(["datasetId", "idx"])
            }
            try db.create(table: "sample") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("datasetId", .text).notNull().references("dataset", onDelete: .cascade)
                t.column("path", .text).notNull()
                t.column("width", .integer).notNull()
                t.column("height", .integer).notNull()
                t.column("split", .text)
                t.column("maskPath", .text)
                t.uniqueKey(["datasetId", "path"])
            }
            try db.create(table: "annotation") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("sampleId", .integer).notNull().references("sample", onDelete: .cascade)
                t.column("datasetId", .text).notNull()
                t.column("labelIdx", .integer).notNull()
                t.column("x", .double)
                t.column("y", .double)
                t.column("w", .double)
                t.column("h", .double)
                t.column("isCrowd", .boolean).notNull().defaults(to: false)
                t.column("segmentation", .blob)
                t.column("sourceId", .integer)
            }
            try db.create(index: "annotation_sample", on: "annotation", columns: ["sampleId"])
            try db.create(table: "failedFile") { t in
                t.column("datasetId", .text).notNull().references("dataset", onDelete: .cascade)
                t.column("path", .text).notNull()
                t.column("line", .integer)
                t.column("reason", .text).notNull()
            }
            try db.create(table: "project") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull()
                t.column("description", .text).notNull().defaults(to: "")
                t.column("type", .text).notNull()
                t.column("datasetId", .text).references("dataset", onDelete: .restrict)
                t.column("status", .text).notNull()
                t.column("statusMessage", .text).notNull().defaults(to: "")
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "task") { t in
                t.primaryKey("id", .text)
                t.column("projectId", .text).notNull().references("project", onDelete: .cascade)
                t.column("name", .text).notNull()
                t.column("description", .text).notNull().defaults(to: "")
                t.column("status", .text).notNull()
                t.column("statusMessage", .text).notNull().defaults(to: "")
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "model") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull()
                t.column("description", .text).notNull().defaults(to: "")
                t.column("status", .text).notNull()
                t.column("statusMessage", .text).notNull().defaults(to: "")
                t.column("createdAt", .datetime).notNull()
            }
        }
        // Training tasks (docs/tasks.md). A new migration, never an edit of v1: workspaces made
        // by earlier builds get the columns added in place.
        migrator.registerMigration("v2-tasks") { db in
            try db.alter(table: "task") { t in
                t.add(column: "trainer", .text).notNull().defaults(to: "aiarts-train")
                t.add(column: "params", .text).notNull().defaults(to: "{}")  // JSON object of strings
                t.add(column: "parentId", .text).references("task", onDelete: .setNull)
                t.add(column: "pid", .integer)
                t.add(column: "startTime", .integer)  // clock ticks since boot (/proc/<pid>/stat field 22)
                t.add(column: "exitCode", .integer)
                t.add(column: "exitSignal", .integer)
                t.add(column: "stopRequested", .boolean).notNull().defaults(to: false)
                t.add(column: "startedAt", .datetime)
                t.add(column: "finishedAt", .datetime)
            }
            try db.create(index: "task_project", on: "task", columns: ["projectId"])
        }
        // The model registry (docs/models.md): what a model is, and its versions.
        migrator.registerMigration("v3-models") { db in
            try db.alter(table: "model") { t in
                t.add(column: "kind", .text).notNull().defaults(to: "uploaded")
                t.add(column: "type", .text)
                t.add(column: "trainer", .text)
                t.add(column: "sourceTaskId", .text)
                t.add(column: "sourceEpoch", .integer)
                t.add(column: "evaluation", .text)  // JSON object of numbers
                t.add(column: "lastVersion", .integer).notNull().defaults(to: 0)
            }
            try db.create(table: "modelVersion") { t in
                t.column("modelId", .text).notNull().references("model", onDelete: .cascade)
                t.column("version", .integer).notNull()
                t.column("size", .integer).notNull()
                t.column("fileCount", .integer).notNull()
                t.column("format", .text).notNull()
                t.column("sourceTaskId", .text)
                t.column("sourceEpoch", .integer)
                t.column("sourcePath", .text)
                t.column("evaluation", .text)
                t.column("createdAt", .datetime).notNull()
                t.primaryKey(["modelId", "version"])
            }
        }
        // Label review and annotation tasks (docs/review.md).
        migrator.registerMigration("v4-review") { db in
            // Where review stands for a sample: one row once anyone has decided anything about it.
            try db.create(table: "reviewState") { t in
                t.primaryKey("sampleId", .integer).references("sample", onDelete: .cascade)
                t.column("datasetId", .text).notNull().references("dataset", onDelete: .cascade)
                t.column("status", .text).notNull()  // ReviewStatus: reviewed, flagged, bad
                t.column("changed", .boolean).notNull().defaults(to: false)  // labels differ from the imported ones
                t.column("note", .text)
                t.column("reviewer", .text).notNull()
                t.column("decidedAt", .datetime).notNull()
            }
            try db.create(index: "reviewState_dataset", on: "reviewState", columns: ["datasetId", "status"])
            // Every decision, in order, with the sample's labels and review state before and after
            // (JSON), so that undo and redo survive a restart.
            try db.create(table: "reviewEvent") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("datasetId", .text).notNull().references("dataset", onDelete: .cascade)
                t.column("sampleId", .integer).notNull().references("sample", onDelete: .cascade)
                t.column("reviewer", .text).notNull()
                t.column("at", .datetime).notNull()
                t.column("action", .text).notNull()
                t.column("before", .text).notNull()
                t.column("after", .text).notNull()
                t.column("undone", .boolean).notNull().defaults(to: false)
            }
            try db.create(index: "reviewEvent_reviewer", on: "reviewEvent", columns: ["datasetId", "reviewer", "id"])
            // Crowd annotation: a task over a dataset hands out batches of samples to reviewers.
            try db.create(table: "annotationTask") { t in
                t.primaryKey("id", .text)  // A0001
                t.column("datasetId", .text).notNull().references("dataset", onDelete: .cascade)
                t.column("name", .text).notNull()
                t.column("description", .text).notNull().defaults(to: "")
                t.column("formatter", .text).notNull()  // JSON: [{name, description, attributes: [{name, values}]}]
                t.column("size", .integer).notNull()  // samples per batch
                t.column("label", .text)  // only samples with this label, when set
                t.column("split", .text)  // only samples of this split, when set
                t.column("startAt", .datetime).notNull()
                t.column("deadline", .datetime)
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "annotationBatch") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("taskId", .text).notNull().references("annotationTask", onDelete: .cascade)
                t.column("user", .text).notNull()
                t.column("status", .text).notNull()  // open, committed
                t.column("createdAt", .datetime).notNull()
                t.column("committedAt", .datetime)
            }
            // One open batch per user per task.
            try db.execute(sql: "CREATE UNIQUE INDEX annotationBatch_open ON annotationBatch(taskId, user) WHERE status = 'open'")
            try db.create(table: "annotationBatchSample") { t in
                t.column("batchId", .integer).notNull().references("annotationBatch", onDelete: .cascade)
                t.column("taskId", .text).notNull()
                t.column("sampleId", .integer).notNull().references("sample", onDelete: .cascade)
                t.column("position", .integer).notNull()
                t.primaryKey(["batchId", "sampleId"])
            }
            // A sample is handed out at most once per task: no sample sits in two batches.
            try db.create(index: "annotationBatchSample_once", on: "annotationBatchSample", columns: ["taskId", "sampleId"], unique: true)
            // Free-text or chosen attribute values set on a sample under an annotation task's formatter.
            try db.create(table: "sampleAttribute") { t in
                t.column("sampleId", .integer).notNull().references("sample", onDelete: .cascade)
                t.column("datasetId", .text).notNull().references("dataset", onDelete: .cascade)
                t.column("tag", .text).notNull()
                t.column("name", .text).notNull()
                t.column("value", .text).notNull()
                t.column("reviewer", .text).notNull()
                t.column("at", .datetime).notNull()
                t.primaryKey(["sampleId", "tag", "name"])
            }
        }
        // Saved review filters (docs/review.md): a named ReviewScope per dataset.
        migrator.registerMigration("v5-review-filters") { db in
            try db.create(table: "reviewFilter") { t in
                t.column("datasetId", .text).notNull().references("dataset", onDelete: .cascade)
                t.column("name", .text).notNull()
                t.column("scope", .text).notNull()  // JSON: ReviewScope
                t.column("savedAt", .datetime).notNull()
                t.primaryKey(["datasetId", "name"])
            }
        }
        // A sample's review events: its first holds the imported labels (`changed`), the newest says who changed it.
        migrator.registerMigration("v6-review-event-sample") { db in
            try db.create(index: "reviewEvent_sample", on: "reviewEvent", columns: ["sampleId", "id"], ifNotExists: true)
        }
        // Who is importing into a dataset, and what it was before (ImportClaim.swift): one
        // import at a time, and a killed import's dataset is put back.
        migrator.registerMigration("v7-import-claim") { db in
            try db.alter(table: "dataset") { t in
                t.add(column: "importPid", .integer)
                t.add(column: "importStartTime", .integer)  // clock ticks since boot, as task.startTime
                t.add(column: "importStartedAt", .datetime)
                t.add(column: "importPreviousStatus", .text)
                t.add(column: "importPreviousMessage", .text)
                t.add(column: "importPreviousProgress", .double)
            }
        }
        // The created state was stored as `queued`, the GPU queue's word: rename it in place.
        migrator.registerMigration("v8-task-created") { db in
            try db.execute(sql: "UPDATE task SET status = 'created' WHERE status = 'queued'")
        }
        // When a task's process was launched: a task that waited for GPU memory starts long after
        // `task start` (startedAt), and `task show` says when it really ran.
        migrator.registerMigration("v9-task-launched") { db in
            try db.alter(table: "task") { t in t.add(column: "launchedAt", .datetime) }
        }
        // A dataset imported with --register was marked `copied`, which it never was.
        migrator.registerMigration("v10-dataset-registered") { db in
            try db.execute(sql: "UPDATE dataset SET status = 'registered' WHERE status = 'copied' AND inPlace = 1")
        }
        // An ended task's metrics summary, so listing tasks does not read every metrics file
        // again (TaskMetricSummaries.swift): stale when the fingerprint of its files changes.
        migrator.registerMigration("v11-task-metric-summary") { db in
            try db.create(table: "taskMetricSummary") { t in
                t.primaryKey("taskId", .text).references("task", onDelete: .cascade)
                t.column("fingerprint", .text).notNull()  // JSON: path, size, mtime of each source
                t.column("progress", .text).notNull()  // JSON: TrainingProgress (the task list's)
                t.column("summary", .text).notNull()  // JSON: TaskMetrics
                t.column("storedAt", .datetime).notNull()
            }
        }
        // The people `aiarts serve` answers (Users/Users.swift): roles, password hashes, token digests.
        migrator.registerMigration("v12-users") { db in
            try db.create(table: "user") { t in
                t.primaryKey("name", .text)
                t.column("role", .text).notNull()
                t.column("passwordHash", .text)  // "pbkdf2-sha256$rounds$salt$hash", nil: no password login
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "apiToken") { t in
                t.primaryKey("id", .text)  // a short public id, for `token list` and `token revoke`
                t.column("userName", .text).notNull().indexed().references("user", onDelete: .cascade)
                t.column("digest", .text).notNull().unique()  // SHA-256 of the secret, hex
                t.column("label", .text).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("expiresAt", .datetime)
                t.column("lastUsedAt", .datetime)
            }
        }
        // The crowd annotation dialect (Review/CrowdTasks.swift): its integer task ids, task type
        // (0 annotation, 1 collection) and creator, over an annotation task; and the model registry
        // dialect's project/model/version names (Models/RegistryVersions.swift) over aiarts model versions.
        migrator.registerMigration("v13-crowd-registry") { db in
            try db.create(table: "crowdTask") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("taskId", .text).notNull().unique().references("annotationTask", onDelete: .cascade)
                t.column("type", .integer).notNull()
                t.column("creator", .text).notNull()
            }
            // What a crowd commit sent for each picture of its batch (annotation_json, stored as sent).
            try db.create(table: "crowdResult") { t in
                t.column("batchId", .integer).notNull().references("annotationBatch", onDelete: .cascade)
                t.column("sampleId", .integer).notNull().references("sample", onDelete: .cascade)
                t.column("annotation", .text).notNull()
                t.primaryKey(["batchId", "sampleId"])
            }
            try db.create(table: "registryVersion") { t in
                t.column("project", .text).notNull()
                t.column("model", .text).notNull()
                t.column("version", .text).notNull()
                t.column("modelId", .text).notNull().references("model", onDelete: .cascade)
                t.column("modelVersion", .integer).notNull()
                t.column("createdAt", .datetime).notNull()
                t.primaryKey(["project", "model", "version"])
            }
        }
        // Inference services (Inference/InferenceServices.swift): a served model version, its
        // process (pid and start time, like a task's) and its state.
        migrator.registerMigration("v14-inference-services") { db in
            try db.create(table: "inferenceService") { t in
                t.primaryKey("id", .text)  // S0001
                t.column("modelId", .text).notNull()
                t.column("modelVersion", .integer).notNull()
                t.column("backend", .text).notNull()  // builtin, onnx, torchscript
                t.column("host", .text).notNull()
                t.column("port", .integer).notNull()  // the asked port (0: any); the bound one once ready
                t.column("gpus", .text).notNull()  // "0,1"; empty: CPU
                t.column("maxBatch", .integer).notNull()
                t.column("maxDelayMs", .integer).notNull()
                t.column("state", .text).notNull()  // starting, ready, failed, stopped
                t.column("message", .text).notNull()
                t.column("pid", .integer)
                t.column("startTime", .integer)
                t.column("stopRequested", .boolean).notNull().defaults(to: false)
                t.column("createdAt", .datetime).notNull()
                t.column("startedAt", .datetime)
                t.column("finishedAt", .datetime)
            }
        }
        // Model jobs (ModelJobs/): extraction and conversion runs, with their events (docs/model-jobs.md).
        migrator.registerMigration("v15-model-jobs") { db in
            try db.create(table: "modelJob") { t in
                t.primaryKey("id", .text)  // J0001
                t.column("kind", .text).notNull()  // extraction, conversion
                t.column("state", .text).notNull()  // created, running, succeeded, failed
                t.column("message", .text).notNull()
                t.column("sourceModelId", .text)
                t.column("sourceVersion", .integer)
                t.column("sourcePath", .text)
                t.column("target", .text).notNull()  // extraction: "", conversion: onnx, opset=N, int8
                t.column("options", .text).notNull()  // JSON object of strings
                t.column("result", .text)  // JSON: the extraction, or the conversion's report
                t.column("resultModelId", .text)
                t.column("resultVersion", .integer)
                t.column("pid", .integer)
                t.column("startTime", .integer)
                t.column("createdAt", .datetime).notNull()
                t.column("startedAt", .datetime)
                t.column("finishedAt", .datetime)
            }
            try db.create(table: "modelJobEvent") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("jobId", .text).notNull().indexed().references("modelJob", onDelete: .cascade)
                t.column("time", .datetime).notNull()
                t.column("type", .text).notNull()  // Normal, Warning
                t.column("reason", .text).notNull()
                t.column("message", .text).notNull()
            }
        }
        // Measured latency of model versions (Models/ModelComparisonLatency.swift): kept here, not in
        // the version folder, whose files downloads check against the manifest.
        migrator.registerMigration("v16-model-latency") { db in
            try db.create(table: "modelLatency") { t in
                t.column("modelId", .text).notNull()
                t.column("version", .integer).notNull()
                t.column("msPerImage", .double)
                t.column("p90Ms", .double)
                t.column("runs", .integer).notNull()
                t.column("threads", .integer).notNull()
                t.column("runtime", .text).notNull()
                t.column("input", .text).notNull()
                t.column("parameters", .integer)
                t.column("note", .text)
                t.column("measuredAt", .datetime).notNull()
                t.primaryKey(["modelId", "version"])
                t.foreignKey(["modelId", "version"], references: "modelVersion", onDelete: .cascade)
            }
        }
        // Executors (Executors/, docs/slurm.md): named Slurm targets a task runs on, the Slurm job a task
        // was submitted as and what Slurm last said of it, and a project's default executor.
        migrator.registerMigration("v17-executors") { db in
            try db.create(table: "executor") { t in
                t.primaryKey("name", .text)
                t.column("kind", .text).notNull()  // slurm
                t.column("partition", .text)
                t.column("account", .text)
                t.column("qos", .text)
                t.column("constraint", .text)
                t.column("createdAt", .datetime).notNull()
            }
            try db.alter(table: "task") { t in
                t.add(column: "executor", .text)
                t.add(column: "slurmJobId", .text)
                t.add(column: "slurmState", .text)  // PENDING, RUNNING, SUSPENDED, COMPLETED … as Slurm last said
                t.add(column: "slurmReason", .text)
                t.add(column: "slurmNodes", .text)
                t.add(column: "slurmRestarts", .integer)
            }
            try db.alter(table: "project") { t in
                t.add(column: "defaultExecutor", .text)
            }
        }
        // Notebook sessions (Notebooks/): JupyterLab in codes/<id>/, its process and endpoint (docs/notebooks.md).
        migrator.registerMigration("v18-code-sessions") { db in
            try db.create(table: "codeSession") { t in
                t.primaryKey("id", .text)  // C0001
                t.column("name", .text).notNull().unique()
                t.column("datasetId", .text)  // linked into the folder, never copied
                t.column("gpus", .text).notNull()  // "0,1"; empty: CPU
                t.column("host", .text).notNull()
                t.column("port", .integer).notNull()
                t.column("token", .text).notNull()
                t.column("description", .text).notNull()
                t.column("state", .text).notNull()  // starting, ready, failed, stopped
                t.column("message", .text).notNull()
                t.column("pid", .integer)
                t.column("startTime", .integer)
                t.column("stopRequested", .boolean).notNull().defaults(to: false)
                t.column("createdAt", .datetime).notNull()
                t.column("startedAt", .datetime)
                t.column("finishedAt", .datetime)
            }
        }
        return migrator
    }
}

/// Record kinds with PaddleX-style ids: D0001, P0001, T0001, M0001, A0001 (annotation tasks), S0001 (inference services).
public enum RecordKind: String, CaseIterable, Sendable {
    case dataset = "D", project = "P", task = "T", model = "M", annotationTask = "A", inferenceService = "S"

    public static func of(id: String) -> RecordKind? {
        guard let first = id.first, id.count >= 2, id.dropFirst().allSatisfy(\.isNumber) else { return nil }
        return RecordKind(rawValue: String(first))
    }
}

extension Database {
    /// Takes the next id of a kind. Runs inside the caller's write transaction, so two processes
    /// creating at the same moment get distinct ids.
    func nextID(_ kind: RecordKind) throws -> String {
        let current = try Int.fetchOne(self, sql: "SELECT next FROM idSequence WHERE kind = ?", arguments: [kind.rawValue]) ?? 1
        try execute(sql: "INSERT INTO idSequence(kind, next) VALUES (?, ?) ON CONFLICT(kind) DO UPDATE SET next = excluded.next",
                    arguments: [kind.rawValue, current + 1])
        return kind.rawValue + String(format: "%04d", current)
    }
}
