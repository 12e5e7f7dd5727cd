import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Notebook sessions (docs/notebooks.md): JupyterLab launched detached like a task (under the
/// runner's supervisor, its pid and start time in the database), on 127.0.0.1 with a random token,
/// rooted in `codes/<id>/`. Whichever aiarts first sees it answer `/api/status` records `ready`;
/// whichever first sees its process gone records how it ended (`codeSessions()` reconciles).
extension Workspace {
    static let codeMarkerName = "AIARTS_CODE_DIR"

    func codeMarkerValue(_ id: String) -> String {
        root.resolvingSymlinksInPath().appendingPathComponent("codes").appendingPathComponent(id).path
    }

    // MARK: Creating

    /// Records a session, makes its folder (the dataset linked, the snippet, a starter notebook) and
    /// launches JupyterLab detached; returns at once in `starting`. JupyterLab is installed into the
    /// workspace's venv first when it is not there (`progress` hears each step).
    @discardableResult
    ///
    /// `install: false` refuses instead of installing (the HTTP server: a request does not wait minutes on pip).
    public func createCodeSession(_ spec: CodeSessionSpec, environment: [String: String] = ProcessInfo.processInfo.environment,
                                  install: Bool = true, progress: (String) -> Void = { _ in }) throws -> CodeSession {
        try requireWritable("notebook sessions are recorded in the workspace")
        let name = try Self.checkCodeSessionName(spec.name)
        guard (0...65535).contains(spec.port) else {
            throw AIArtsError(.invalidArgument, "port \(spec.port) is not a TCP port (1-65535, or 0 for a free one)")
        }
        guard spec.gpus.allSatisfy({ (0...255).contains($0) }) else {
            throw AIArtsError(.invalidArgument, "GPU indices are 0-255 (got \(spec.gpus.map(String.init).joined(separator: ",")))")
        }
        guard spec.description.count <= Self.maxCodeDescription else {
            throw AIArtsError(.invalidArgument, "the description is longer than \(Self.maxCodeDescription) characters")
        }
        if try store.pool.read({ db in try CodeSession.filter(Column("name") == name).fetchCount(db) }) > 0 {
            throw AIArtsError(.conflict, "a notebook session named \(name) exists; choose another name or remove it (`aiarts code rm \(name)`)")
        }
        var dataset: (id: String, folder: URL)?
        if let ref = spec.dataset, !ref.isEmpty { dataset = try codeDataset(ref) }
        if !install && installedJupyter(environment: environment) == nil {
            throw AIArtsError(.conflict, "JupyterLab is not installed for this workspace yet; run `aiarts code create NAME` once from the command line (it installs it into envs/jupyter), or set \(Self.jupyterVenvVariable)")
        }
        let python = try ensureJupyter(environment: environment, progress: progress)
        let port = try Self.choosePort(spec.port, taken: try activeCodePorts())
        let token = Self.randomToken()

        var session = try store.pool.write { db -> CodeSession in
            if try CodeSession.filter(Column("name") == name).fetchCount(db) > 0 {
                throw AIArtsError(.conflict, "a notebook session named \(name) exists; choose another name or remove it (`aiarts code rm \(name)`)")
            }
            let session = CodeSession(
                id: try Self.nextCodeSessionID(db), name: name, datasetId: dataset?.id,
                gpus: spec.gpus.map(String.init).joined(separator: ","), host: "127.0.0.1", port: port, token: token,
                description: spec.description, state: .starting, message: "starting JupyterLab", pid: nil, startTime: nil,
                stopRequested: false, createdAt: Date(), startedAt: Date(), finishedAt: nil)
            try session.insert(db)
            return session
        }
        let folder = codeSessionFolder(session.id)
        do {
            do { try prepareCodeSessionFolder(session, datasetFolder: dataset?.folder) } catch {
                throw AIArtsError(.io, "cannot make \(folder.path): \(error.localizedDescription)")
            }
            var env = environment
            env[Self.codeMarkerName] = codeMarkerValue(session.id)
            env["CUDA_VISIBLE_DEVICES"] = session.gpus
            env["AIARTS_METRICS"] = folder.appendingPathComponent(Self.codeMetricsName).path
            env["AIARTS_CODE_SESSION"] = session.id
            env["JUPYTER_RUNTIME_DIR"] = folder.appendingPathComponent(".jupyter-runtime").path
            env["PYTHONPATH"] = [folder.path, environment["PYTHONPATH"]].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ":")
            env["PYTHONUNBUFFERED"] = "1"
            let launched: LaunchedProcess
            do {
                launched = try DetachedProcess.launch(
                    executable: python.path, arguments: Self.jupyterArguments(port: port, token: token, root: folder),
                    environment: env, workingDirectory: folder,
                    logFile: folder.appendingPathComponent(Self.codeLogName),
                    exitStatusFile: folder.appendingPathComponent("exit_status"))
            } catch {
                throw AIArtsError(.io, "\(session.id) could not be started: \(error)")
            }
            session = try store.pool.write { db in
                guard var current = try CodeSession.fetchOne(db, key: session.id) else { throw AIArtsError.notFound(session.id) }
                current.pid = launched.pid
                current.startTime = Int64(clamping: launched.startTime)
                try current.update(db)
                return current
            }
        } catch {
            let message = "could not start: " + ((error as? AIArtsError)?.message ?? "\(error)")
            try? store.pool.write { db in
                try db.execute(sql: "UPDATE codeSession SET state = ?, message = ?, finishedAt = ? WHERE id = ?",
                               arguments: [CodeSessionState.failed.rawValue, message, Date(), session.id])
            }
            throw error
        }
        log.info("\(session.id) (\(session.name)): JupyterLab on 127.0.0.1:\(port), pid \(session.pid ?? 0)")
        return session
    }

    static let maxCodeDescription = 2000

    /// JupyterLab's command line: loopback, the port (no retry on another: the port is recorded),
    /// the token, the session folder as its root, no browser.
    /// As root (a container) JupyterLab refuses to start without --allow-root.
    static func jupyterArguments(port: Int, token: String, root: URL, asRoot: Bool = geteuid() == 0) -> [String] {
        ["-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", "--port=\(port)", "--ServerApp.port_retries=0",
         "--IdentityProvider.token=\(token)", "--ServerApp.root_dir=\(root.path)", "--ServerApp.open_browser=False"]
            + (asRoot ? ["--allow-root"] : [])
    }

    /// A name: 1-64 of letters, digits, `-`, `_`, `.`, starting with a letter or digit; not shaped
    /// like a session id (C0001), which would make `code show C0001` ambiguous.
    static func checkCodeSessionName(_ raw: String) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 64,
              name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)) }),
              name.first.map({ $0.isLetter || $0.isNumber }) == true else {
            throw AIArtsError(.invalidArgument, "a session name is 1-64 letters, digits, '-', '_' or '.', starting with a letter or digit (got '\(TerminalText.finalRedraw(String(raw.prefix(80))))')")
        }
        if isCodeSessionID(name) {
            throw AIArtsError(.invalidArgument, "\(name) looks like a session id; choose a name that does not")
        }
        return name
    }

    static func isCodeSessionID(_ text: String) -> Bool {
        text.count >= 5 && (text.first == "C" || text.first == "c") && text.dropFirst().allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Takes the next C0001 id inside the caller's transaction (the shared `idSequence` table).
    static func nextCodeSessionID(_ db: Database) throws -> String {
        let current = try Int.fetchOne(db, sql: "SELECT next FROM idSequence WHERE kind = 'C'") ?? 1
        try db.execute(sql: "INSERT INTO idSequence(kind, next) VALUES ('C', ?) ON CONFLICT(kind) DO UPDATE SET next = excluded.next",
                       arguments: [current + 1])
        return "C" + String(format: "%04d", current)
    }

    /// The dataset a session links: an id or a name, with files.
    func codeDataset(_ ref: String) throws -> (id: String, folder: URL) {
        let record: DatasetRecord
        if RecordKind.of(id: ref.uppercased()) == .dataset, let found = try? dataset(ref.uppercased()) {
            record = found
        } else {
            let named = try datasets().filter { $0.name == ref }
            guard let first = named.first else {
                throw AIArtsError(.notFound, "no dataset \(TerminalText.finalRedraw(String(ref.prefix(80)))) in this workspace (see `aiarts dataset list`)")
            }
            guard named.count == 1 else {
                throw AIArtsError(.conflict, "\(named.count) datasets are named \(ref) (\(named.map(\.id).joined(separator: ", "))); name one by its id")
            }
            record = first
        }
        guard let folder = try datasetFolder(record.id) else {
            throw AIArtsError(.conflict, "\(record.id) has no files yet; import data into it first")
        }
        return (record.id, folder)
    }

    /// 64 hex digits from the system's random source.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%016llx", generator.next() as UInt64) }.joined()
    }

    /// The asked port when nothing listens there, else a free one the kernel hands out; never a
    /// port another live session holds.
    static func choosePort(_ asked: Int, taken: Set<Int>) throws -> Int {
        if asked > 0 {
            guard !taken.contains(asked), canBind(asked) != nil else {
                throw AIArtsError(.conflict, "port \(asked) on 127.0.0.1 is in use; choose another, or leave --port out for a free one")
            }
            return asked
        }
        for _ in 0..<20 {
            if let port = canBind(0), !taken.contains(port) { return port }
        }
        throw AIArtsError(.io, "no free TCP port on 127.0.0.1")
    }

    /// Binds 127.0.0.1:port and closes at once; the port bound, nil when it cannot be.
    static func canBind(_ port: Int) -> Int? {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(clamping: port)).bigEndian
        address.sin_addr.s_addr = in_addr_t(0x7f00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { return nil }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { return nil }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    func activeCodePorts() throws -> Set<Int> {
        Set(try store.pool.read { db in
            try Int.fetchAll(db, sql: "SELECT port FROM codeSession WHERE state IN (?, ?)",
                             arguments: [CodeSessionState.starting.rawValue, CodeSessionState.ready.rawValue])
        })
    }

    // MARK: Reading

    /// Every session, oldest first, reconciled first (a starting one asked whether it answers).
    public func codeSessions() throws -> [CodeSession] {
        try refreshCodeSessions()
        return try store.pool.read { db in try CodeSession.order(Column("id")).fetchAll(db) }
    }

    /// A session by id (C0001) or name, reconciled first.
    public func codeSession(_ ref: String) throws -> CodeSession {
        let id = try codeSessionID(ref)
        try refreshCodeSessions(only: id)
        guard let session = try store.pool.read({ db in try CodeSession.fetchOne(db, key: id) }) else {
            throw AIArtsError(.notFound, "\(id) is not a notebook session in this workspace (see `aiarts code list`)")
        }
        return session
    }

    func codeSessionID(_ ref: String) throws -> String {
        if Self.isCodeSessionID(ref) { return ref.uppercased() }
        guard let id = try store.pool.read({ db in try String.fetchOne(db, sql: "SELECT id FROM codeSession WHERE name = ?", arguments: [ref]) }) else {
            throw AIArtsError(.notFound, "no notebook session \(TerminalText.finalRedraw(String(ref.prefix(80)))) in this workspace (see `aiarts code list`)")
        }
        return id
    }

    /// The URL with its token, and the `ssh -L` line that reaches it from another machine.
    public func codeSessionEndpoint(_ ref: String, hostname: String? = nil) throws -> CodeSessionEndpoint {
        let s = try codeSession(ref)
        let host = hostname ?? Self.fullHostname()
        let user = ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? NSUserName()
        return CodeSessionEndpoint(id: s.id, name: s.name, state: s.state, url: s.endpointURL, token: s.token, port: s.port, host: host,
                                   ssh: "ssh -L \(s.port):127.0.0.1:\(s.port) \(user)@\(host)")
    }

    /// `hostname -f`, else the kernel's name for this machine.
    static func fullHostname() -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["hostname", "-f"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        if (try? process.run()) != nil {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if process.terminationStatus == 0, !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-.".contains($0)) }) {
                return text
            }
        }
        return ProcessInfo.processInfo.hostName
    }

    /// The last `lines` lines of jupyter.log (raw: sanitise before showing).
    public func codeSessionLog(_ ref: String, lines: Int = 50) throws -> [String] {
        let s = try codeSession(ref)
        return FileTail.lines(codeSessionFolder(s.id).appendingPathComponent(Self.codeLogName), count: max(1, lines))
    }

    /// Waits (blocking) until the session leaves `starting`, up to `timeout`; returns it as it is then.
    public func waitForCodeSession(_ ref: String, timeout: Duration) throws -> CodeSession {
        let clock = ContinuousClock(), deadline = clock.now + timeout
        while true {
            let session = try codeSession(ref)
            if session.state != .starting || clock.now >= deadline { return session }
            Thread.sleep(forTimeInterval: 0.25)
        }
    }

    /// Sets the description (at most 2000 characters).
    @discardableResult
    public func describeCodeSession(_ ref: String, _ text: String) throws -> CodeSession {
        guard text.count <= Self.maxCodeDescription else {
            throw AIArtsError(.invalidArgument, "the description is longer than \(Self.maxCodeDescription) characters")
        }
        let id = try codeSessionID(ref)
        try store.pool.write { db in
            try db.execute(sql: "UPDATE codeSession SET description = ? WHERE id = ?", arguments: [text, id])
            guard db.changesCount > 0 else { throw AIArtsError(.notFound, "\(id) is not a notebook session in this workspace") }
        }
        return try codeSession(id)
    }
}
