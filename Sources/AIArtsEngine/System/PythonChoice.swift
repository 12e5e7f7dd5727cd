import Foundation

/// The Python interpreter aiarts runs (the torch trainer, its evaluation, predict and export, a
/// command task's .py startup file), and where that choice came from (docs/torch-trainers.md,
/// "Choosing the Python").
public struct PythonChoice: Sendable, Codable, Equatable {
    public enum Source: String, Sendable, Codable {
        /// A task's `python` parameter.
        case task
        /// `$AIARTS_PYTHON`.
        case environment
        /// The workspace setting (`aiarts workspace python PATH`, kept in settings.json).
        case workspace
        /// `python3` on PATH.
        case `default`
    }

    /// A path, or a name looked up on PATH (`python3`).
    public var path: String
    public var source: Source
    /// Why a setting was passed over (a broken settings.json), one line; nil when nothing was.
    public var note: String?

    public init(path: String, source: Source, note: String? = nil) {
        self.path = path; self.source = source; self.note = note
    }

    /// The interpreter when nothing chooses one.
    public static let defaultPath = "python3"

    /// The rule behind `Workspace.python(params:)`; `workspace` nil where there is no workspace
    /// (`aiarts system` outside one).
    public static func choose(params: [String: String]? = nil,
                              environment: [String: String] = ProcessInfo.processInfo.environment,
                              workspace: URL?) -> PythonChoice {
        if let value = params?["python"], !value.isEmpty { return PythonChoice(path: value, source: .task) }
        if let value = environment["AIARTS_PYTHON"], !value.isEmpty { return PythonChoice(path: value, source: .environment) }
        var problem: String?
        if let workspace {
            let read = WorkspaceSettings.read(workspace)
            if let value = read.settings.string(Workspace.pythonSettingKey), !value.isEmpty {
                return PythonChoice(path: value, source: .workspace)
            }
            problem = read.problem
        }
        return PythonChoice(path: defaultPath, source: .default, note: problem)
    }
}

/// `<workspace>/settings.json`: small per-workspace settings that are not records. Written
/// atomically (a temporary file renamed over it); read tolerantly (a broken file is a reason, not a
/// crash). Unknown keys are kept when it is rewritten.
struct WorkspaceSettings {
    static let fileName = "settings.json"
    /// The file's top-level object as JSONSerialization reads it (unknown keys are kept).
    var values: [String: Any] = [:]

    /// The settings, or a one-line reason they could not be read (then empty). A missing file is no
    /// settings and no reason.
    static func read(_ root: URL) -> (settings: WorkspaceSettings, problem: String?) {
        let url = root.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return (WorkspaceSettings(), nil) }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            return (WorkspaceSettings(), "\(url.path) cannot be read; it is ignored")
        }
        guard data.count <= 1 << 20 else { return (WorkspaceSettings(), "\(url.path) is larger than 1 MiB; it is ignored") }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            return (WorkspaceSettings(), "\(url.path) is not a JSON object; it is ignored (fix or delete it)")
        }
        return (WorkspaceSettings(values: object), nil)
    }

    func string(_ key: String) -> String? { values[key] as? String }

    func write(_ root: URL) throws {
        let url = root.appendingPathComponent(Self.fileName)
        let temp = root.appendingPathComponent(".\(Self.fileName).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            let data = try JSONSerialization.data(withJSONObject: values, options: [.prettyPrinted, .sortedKeys])
            try (data + Data("\n".utf8)).write(to: temp)
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw AIArtsError(.io, "cannot write \(url.path): \(error.localizedDescription)")
        }
        if rename(temp.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temp)
            throw AIArtsError(.io, "cannot replace \(url.path): \(reason)")
        }
    }
}

extension Workspace {
    static let pythonSettingKey = "python"

    /// The Python to run, in this order: a task's `python` parameter (in `params`), then
    /// `$AIARTS_PYTHON`, then the workspace setting, then `python3` on PATH. An empty value counts as
    /// not set. A broken settings.json is passed over with a `note`.
    public func python(params: [String: String]? = nil) -> PythonChoice {
        python(params: params, environment: ProcessInfo.processInfo.environment)
    }

    func python(params: [String: String]?, environment: [String: String]) -> PythonChoice {
        PythonChoice.choose(params: params, environment: environment, workspace: root)
    }

    /// Sets the workspace's Python (nil or empty clears it). The path must be absolute and name an
    /// executable file; the setting is written atomically into `<workspace>/settings.json`.
    public func setPython(_ path: String?) throws {
        try requireWritable("the Python setting is kept in settings.json")
        let (read, problem) = WorkspaceSettings.read(root)
        var settings = read
        if let problem, FileManager.default.fileExists(atPath: root.appendingPathComponent(WorkspaceSettings.fileName).path) {
            // Never overwrite a file we could not read: the user may want what is in it.
            throw AIArtsError(.badInput, "\(problem); not changing it")
        }
        if let path, !path.isEmpty {
            try Self.checkPython(path)
            settings.values[Self.pythonSettingKey] = path
        } else {
            settings.values[Self.pythonSettingKey] = nil
        }
        try settings.write(root)
    }

    /// Refuses a relative path, a missing file, a folder and a file that is not executable, in one line.
    static func checkPython(_ path: String) throws {
        guard !path.contains("\0"), path.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7f }) else {
            throw AIArtsError(.invalidArgument, "the Python path holds control characters")
        }
        guard path.hasPrefix("/") else {
            throw AIArtsError(.invalidArgument, "\(path) is not an absolute path; give the interpreter's full path, e.g. /opt/venv/bin/python")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw AIArtsError(.notFound, "\(path) does not exist; give the path of a Python interpreter, e.g. /opt/venv/bin/python")
        }
        guard !isDirectory.boolValue else {
            throw AIArtsError(.invalidArgument, "\(path) is a folder; give the interpreter inside it, e.g. \(path)/bin/python")
        }
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw AIArtsError(.invalidArgument, "\(path) is not executable; give the path of a Python interpreter")
        }
    }
}
