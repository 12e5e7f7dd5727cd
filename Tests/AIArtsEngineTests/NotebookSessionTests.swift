import Foundation
import Testing
import TestSupport
@testable import AIArtsEngine

/// Notebook sessions (docs/notebooks.md): `swift test --filter NotebookSessionTests`. These run a fake
/// JupyterLab (a Python HTTP server that answers /api/status for the token it was given, in a venv
/// folder $AIARTS_JUPYTER_VENV names), so they need python3 but no JupyterLab; e2e/jupyter.sh runs
/// the real one.
@Suite(.serialized) struct NotebookSessionTests {
    static func workspace() throws -> (Workspace, URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-code-\(UUID().uuidString.prefix(8))")
        return (try Workspace(root: root), root)
    }

    /// What the fake `python -m jupyterlab` does: serve /api/status (200 with the token, 403
    /// without), or with FAKE_JUPYTER_FAIL set print a critical line and exit 1, as a refused start does.
    static let fakeServer = #"""
    import http.server, os, sys, signal
    args = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
    if os.environ.get("FAKE_JUPYTER_FAIL"):
        print("[C 2026-12-06 10:00:00.000 ServerApp] Running as root is not recommended. Use --allow-root to bypass.", flush=True)
        sys.exit(1)
    port, token = int(args["port"]), args["IdentityProvider.token"]
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            ok = self.path.startswith("/api/status") and ("token=" + token) in self.path
            self.send_response(200 if ok else 403)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"started": "now"}' if ok else b'{"message": "Forbidden"}')
        def log_message(self, *a):
            pass
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    print("[I ServerApp] serving on", port, flush=True)
    http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
    """#

    /// A venv-shaped folder whose bin/python runs the fake server for `-m jupyterlab`.
    static func fakeVenv(in root: URL) throws -> URL {
        let venv = root.appendingPathComponent("fake-venv")
        let bin = venv.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let server = venv.appendingPathComponent("fake_jupyter.py")
        try fakeServer.write(to: server, atomically: true, encoding: .utf8)
        let python = "#!/bin/sh\nif [ \"$1\" = -m ] && [ \"$2\" = jupyterlab ]; then shift 2; exec python3 '\(server.path)' \"$@\"; fi\nexec python3 \"$@\"\n"
        try python.write(to: bin.appendingPathComponent("python"), atomically: true, encoding: .utf8)
        try "#!/bin/sh\nexit 0\n".write(to: bin.appendingPathComponent("jupyter-lab"), atomically: true, encoding: .utf8)
        for name in ["python", "jupyter-lab"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin.appendingPathComponent(name).path)
        }
        return venv
    }

    static func environment(_ venv: URL, _ extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env[Workspace.jupyterVenvVariable] = venv.path
        for (k, v) in extra { env[k] = v }
        return env
    }

    static var havePython: Bool { DetachedProcess.isExecutableFile("/usr/bin/python3") || DetachedProcess.isExecutableFile("/usr/local/bin/python3") }

    // MARK: Rules checked before anything runs

    @Test func badNamesPortsAndDatasetsAreRefusedBeforeAnythingIsRecorded() throws {
        let (ws, root) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let env = Self.environment(try Self.fakeVenv(in: root))
        for bad in ["", "a b", "../x", "C0001", "c12345", "-lead", String(repeating: "x", count: 65), "e\u{1b}]0;t\u{7}"] {
            #expect(throws: AIArtsError.self, "\(bad)") { try ws.createCodeSession(CodeSessionSpec(name: bad), environment: env) }
        }
        #expect(throws: AIArtsError.self) { try ws.createCodeSession(CodeSessionSpec(name: "p", port: 70000), environment: env) }
        #expect(throws: AIArtsError.self) { try ws.createCodeSession(CodeSessionSpec(name: "g", gpus: [-1]), environment: env) }
        let missing = #expect(throws: AIArtsError.self) { try ws.createCodeSession(CodeSessionSpec(name: "d", dataset: "D0042"), environment: env) }
        #expect(missing?.message.contains("no dataset D0042") == true, "\(String(describing: missing))")
        let empty = try ws.createDataset(name: "empty", type: .classification)
        let noFiles = #expect(throws: AIArtsError.self) { try ws.createCodeSession(CodeSessionSpec(name: "d", dataset: empty.id), environment: env) }
        #expect(noFiles?.message.contains("no files yet") == true)
        #expect(try ws.codeSessions().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("codes").path))
    }

    @Test func aVenvNamedByTheVariableMustHoldJupyterLab() throws {
        let (ws, root) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let env = Self.environment(root.appendingPathComponent("nowhere"))
        let error = #expect(throws: AIArtsError.self) { try ws.createCodeSession(CodeSessionSpec(name: "n"), environment: env) }
        #expect(error?.message.contains("AIARTS_JUPYTER_VENV=") == true)
        #expect(error?.message.contains("scripts/jupyter-env.sh") == true)
        #expect(try ws.codeSessions().isEmpty)
    }

    @Test func pipFailuresAreOneLineAndNameTheNetwork() {
        let log = URL(fileURLWithPath: "/w/envs/jupyter-install.log")
        let offline = Workspace.pipFailure([
            "WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno 111] Connection refused')': /simple/jupyterlab/",
            "ERROR: Could not find a version that satisfies the requirement jupyterlab (from versions: none)",
            "ERROR: No matching distribution found for jupyterlab",
        ], status: 1, log: log)
        #expect(offline.hasPrefix("pip could not reach PyPI: No matching distribution found for jupyterlab"), "\(offline)")
        #expect(offline.contains(log.path) && !offline.contains("\n"))
        let other = Workspace.pipFailure(["ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device"], status: 1, log: log)
        #expect(other.hasPrefix("pip install jupyterlab failed: Could not install packages due to an OSError"), "\(other)")
        let silent = Workspace.pipFailure(["ERROR: Could not find a version that satisfies the requirement jupyterlab (from versions: none)",
                                           "ERROR: No matching distribution found for jupyterlab"], status: 1, log: log)
        #expect(silent.hasPrefix("pip could not reach PyPI: "), "\(silent)")
        let noWheel = Workspace.pipFailure(["ERROR: Ignored the following versions that require a different python version: 4.0.0 Requires-Python >=3.8",
                                            "ERROR: Could not find a version that satisfies the requirement jupyterlab (from versions: none)",
                                            "ERROR: No matching distribution found for jupyterlab"], status: 1, log: log)
        #expect(noWheel.hasPrefix("pip found no JupyterLab for this Python"), "\(noWheel)")
        let escaped = Workspace.pipFailure(["ERROR: bad \u{1b}]52;c;aGk=\u{7} thing"], status: 1, log: log)
        #expect(!escaped.contains("\u{1b}"))
    }

    /// The first session makes envs/jupyter with `python -m venv` and pip; with PyPI unreachable the
    /// error says so in one line, and nothing is marked installed.
    @Test func anUnreachablePyPIIsSaidInOneLine() throws {
        guard Self.havePython else { Issue.record("python3 is not installed"); return }
        let (ws, root) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        var env = ProcessInfo.processInfo.environment
        env[Workspace.jupyterVenvVariable] = nil
        env["PIP_INDEX_URL"] = "http://127.0.0.1:9/simple"
        env["PIP_RETRIES"] = "0"
        env["PIP_TIMEOUT"] = "2"
        env["PIP_FIND_LINKS"] = nil
        env["PIP_NO_INDEX"] = nil
        env["PIP_CONFIG_FILE"] = "/dev/null"
        var steps: [String] = []
        let error = #expect(throws: AIArtsError.self) {
            try ws.createCodeSession(CodeSessionSpec(name: "first"), environment: env, progress: { steps.append($0) })
        }
        let message = error?.message ?? ""
        if message.contains("-m venv failed") { return }  // no ensurepip here: said in one line too
        #expect(message.hasPrefix("pip could not reach PyPI: "), "\(message)")
        #expect(steps.contains { $0.contains("installing JupyterLab from PyPI") }, "\(steps)")
        #expect(ws.installedJupyter(environment: env) == nil)
        #expect(try ws.codeSessions().isEmpty)
    }

    // MARK: A session's life, with the fake JupyterLab

    @Test func aSessionStartsAnswersLogsMetricsStopsAndIsRemovedWithoutTheDataset() throws {
        guard Self.havePython else { Issue.record("python3 is not installed"); return }
        let (ws, root) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let env = Self.environment(try Self.fakeVenv(in: root))
        let demo = try ShapesDemo.create(in: ws, classificationImages: 6, detectionImages: 2)
        let datasetFolder = try #require(try ws.datasetFolder(demo.classification))
        let datasetFiles = try FileManager.default.subpathsOfDirectory(atPath: datasetFolder.path).count

        let created = try ws.createCodeSession(CodeSessionSpec(name: "explore", dataset: demo.classification, gpus: [1, 0],
                                                               description: "look at shapes"), environment: env)
        #expect(created.id == "C0001" && created.state == .starting && created.port > 0)
        #expect(created.token.count == 64 && created.token.allSatisfy(\.isHexDigit))
        let folder = ws.codeSessionFolder(created.id)
        // The dataset is linked, not copied.
        let link = folder.appendingPathComponent("dataset").path
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == datasetFolder.path)
        #expect(FileManager.default.contents(atPath: folder.appendingPathComponent("aiarts_metrics.py").path) == Data(PackageResources.aiarts_metrics_py))
        let notebook = try #require(FileManager.default.contents(atPath: folder.appendingPathComponent("start.ipynb").path))
        let parsed = try #require(try JSONSerialization.jsonObject(with: notebook) as? [String: Any])
        #expect((parsed["cells"] as? [Any])?.count == 3)

        let ready = try ws.waitForCodeSession("explore", timeout: .seconds(30))
        #expect(ready.state == .ready, "\(ready.message)")
        #expect(try Workspace.jupyterStatus(port: ready.port, token: ready.token) == 200)
        #expect(try Workspace.jupyterStatus(port: ready.port, token: nil) == 403)
        // The process got the session's environment.
        let members = ProcessScan.members(marker: "\(Workspace.codeMarkerName)=\(ws.codeMarkerValue(created.id))")
        #expect(!members.isEmpty)
        #expect(members.contains { ProcessScan.environment(of: $0.pid, contains: Array("CUDA_VISIBLE_DEVICES=1,0".utf8)) })
        let metricsEntry = "AIARTS_METRICS=" + folder.appendingPathComponent("metrics.jsonl").path
        #expect(members.contains { ProcessScan.environment(of: $0.pid, contains: Array(metricsEntry.utf8)) })

        // A name finds it as the id does; a second session of that name is refused.
        #expect(try ws.codeSession("C0001").name == "explore")
        let twice = #expect(throws: AIArtsError.self) { try ws.createCodeSession(CodeSessionSpec(name: "explore"), environment: env) }
        #expect(twice?.kind == .conflict)
        let portTaken = #expect(throws: AIArtsError.self) { try ws.createCodeSession(CodeSessionSpec(name: "other", port: ready.port), environment: env) }
        #expect(portTaken?.message.contains("in use") == true)

        // Metrics the snippet writes are read back through the protocol reader.
        #expect(try ws.codeSessionMetrics("explore").isEmpty)
        let lines = (1...5).map { #"{"type":"train","step":\#($0),"loss":\#(1.0 / Double($0))}"# } + ["not json", #"{"type":"eval","step":5,"acc":0.75}"#]
        try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("metrics.jsonl"), atomically: true, encoding: .utf8)
        let metrics = try ws.codeSessionMetrics("explore")
        #expect(metrics.map(\.name) == ["eval/acc", "train/loss"])
        #expect(metrics.last?.value == 0.2 && metrics.last?.step == 5 && metrics.last?.points == 5)

        let endpoint = try ws.codeSessionEndpoint("explore", hostname: "gpu1.lab.example")
        #expect(endpoint.url == "http://127.0.0.1:\(ready.port)/lab?token=\(ready.token)")
        #expect(endpoint.ssh.hasPrefix("ssh -L \(ready.port):127.0.0.1:\(ready.port) ") && endpoint.ssh.hasSuffix("@gpu1.lab.example"))

        #expect(try ws.describeCodeSession("explore", "new words").description == "new words")
        #expect(throws: AIArtsError.self) { try ws.describeCodeSession("explore", String(repeating: "x", count: 2001)) }

        // rm refuses a running session; stop ends it as stopped.
        let refused = #expect(throws: AIArtsError.self) { try ws.removeCodeSession("explore") }
        #expect(refused?.message.contains("--force") == true)
        let stopped = try ws.stopCodeSession("explore", grace: .seconds(5))
        #expect(stopped.state == .stopped && stopped.finishedAt != nil, "\(stopped.message)")
        #expect(throws: AIArtsError.self) { try ws.stopCodeSession("explore") }
        #expect(ProcessScan.members(marker: "\(Workspace.codeMarkerName)=\(ws.codeMarkerValue(created.id))").isEmpty)

        try ws.removeCodeSession("explore")
        #expect(!FileManager.default.fileExists(atPath: folder.path))
        #expect(try FileManager.default.subpathsOfDirectory(atPath: datasetFolder.path).count == datasetFiles)
        #expect(try ws.codeSessions().isEmpty)
        // The name is free again; ids are not reused.
        let again = try ws.createCodeSession(CodeSessionSpec(name: "explore"), environment: env)
        #expect(again.id == "C0002")
        try ws.removeCodeSession("explore", force: true)
        #expect(ProcessScan.members(marker: "\(Workspace.codeMarkerName)=\(ws.codeMarkerValue(again.id))").isEmpty)
    }

    @Test func aKilledJupyterIsRecordedAsFailedByTheNextReader() throws {
        guard Self.havePython else { Issue.record("python3 is not installed"); return }
        let (ws, root) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let env = Self.environment(try Self.fakeVenv(in: root))
        let created = try ws.createCodeSession(CodeSessionSpec(name: "doomed"), environment: env)
        #expect(try ws.waitForCodeSession(created.id, timeout: .seconds(30)).state == .ready)
        let identity = try #require(created.identity)
        for member in ProcessScan.members(marker: "\(Workspace.codeMarkerName)=\(ws.codeMarkerValue(created.id))") { kill(member.pid, SIGKILL) }
        #expect(ExitWatcher.waitUntilExited(identity, timeout: .seconds(10)))
        let other = try Workspace(root: root)
        let seen = try other.codeSession("doomed")
        #expect(seen.state == .failed)
        #expect(seen.message.contains("SIGKILL") || seen.message.contains("killed"), "\(seen.message)")
        try other.removeCodeSession("doomed")
    }

    @Test func aJupyterThatRefusesToStartFailsWithItsOwnLine() throws {
        guard Self.havePython else { Issue.record("python3 is not installed"); return }
        let (ws, root) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let env = Self.environment(try Self.fakeVenv(in: root), ["FAKE_JUPYTER_FAIL": "1"])
        let created = try ws.createCodeSession(CodeSessionSpec(name: "refused"), environment: env)
        let ended = try ws.waitForCodeSession(created.id, timeout: .seconds(30))
        #expect(ended.state == .failed)
        #expect(ended.message.contains("Running as root is not recommended"), "\(ended.message)")
        #expect(ended.message.contains("exit"), "\(ended.message)")
        #expect(try ws.codeSessionLog("refused").contains { $0.contains("ServerApp") })
    }

    /// A notebook may make links of its own anywhere in the folder: removing the session unlinks
    /// them and never walks into what they point at.
    @Test func removingAFolderNeverFollowsALink() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("aiarts-code-links-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let outside = root.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside.appendingPathComponent("deep"), withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: outside.appendingPathComponent("deep/file.txt"))
        let tree = root.appendingPathComponent("codes/C0001")
        try FileManager.default.createDirectory(at: tree.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: tree.appendingPathComponent("dataset").path, withDestinationPath: outside.path)
        try FileManager.default.createSymbolicLink(atPath: tree.appendingPathComponent("sub/again").path, withDestinationPath: outside.path)
        try FileManager.default.createSymbolicLink(atPath: tree.appendingPathComponent("sub/file-link").path,
                                                   withDestinationPath: outside.appendingPathComponent("deep/file.txt").path)
        try Data("x".utf8).write(to: tree.appendingPathComponent("sub/notes.txt"))
        Workspace.removeTreeWithoutFollowing(tree.path)
        #expect(!FileManager.default.fileExists(atPath: tree.path))
        #expect(FileManager.default.contents(atPath: outside.appendingPathComponent("deep/file.txt").path) == Data("keep".utf8))
    }

    @Test func theReasonJupyterLabEndedIsItsOwnLine() {
        let exit1 = ExitStatus.exited(code: 1)
        let critical = Workspace.jupyterFailure(logTail: [
            "[E 2026-12-06 10:00:00.000 ServerApp] Uncaught exception GET /api/kernels",
            "[C 2026-12-06 10:00:01.000 ServerApp] Running as root is not recommended. Use --allow-root to bypass.",
        ], status: exit1)
        #expect(critical.hasSuffix("Running as root is not recommended. Use --allow-root to bypass."), "\(critical)")
        let exception = Workspace.jupyterFailure(logTail: [
            "[E 2026-12-06 10:00:00.000 ServerApp] a kernel died", "Traceback (most recent call last):", "  File \"x.py\", line 1",
            "ModuleNotFoundError: No module named 'jupyterlab'",
        ], status: exit1)
        #expect(exception.hasSuffix("ModuleNotFoundError: No module named 'jupyterlab'"), "\(exception)")
        let bare = Workspace.jupyterFailure(logTail: ["[I ServerApp] serving", "\u{1b}[31m"], status: .signaled(signal: 9, coreDumped: false))
        #expect(!bare.isEmpty && !bare.contains("\u{1b}") && !bare.contains("\n"), "\(bare)")
    }

    @Test func tokensAndPortsAreFreshEachTime() throws {
        let tokens = Set((0..<50).map { _ in Workspace.randomToken() })
        #expect(tokens.count == 50)
        #expect(tokens.allSatisfy { $0.count == 64 })
        let port = try Workspace.choosePort(0, taken: [])
        #expect(port > 0 && port < 65536)
        #expect(Workspace.jupyterArguments(port: 8888, token: "t", root: URL(fileURLWithPath: "/w/codes/C0001"), asRoot: true).contains("--allow-root"))
        #expect(!Workspace.jupyterArguments(port: 8888, token: "t", root: URL(fileURLWithPath: "/w"), asRoot: false).contains("--allow-root"))
    }
}
