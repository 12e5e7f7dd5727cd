import AIArtsEngine
import AIArtsRender

/// Opens the full-screen Home view over `workspace` and returns when the user quits (q, Ctrl-C).
/// The terminal is restored on return, on a thrown error, on SIGINT/SIGTERM/SIGHUP and on a crash.
public func runHomeUI(workspace: Workspace) throws {
    let backend = try NcursesBackend()
    defer { backend.close() }
    let app = HomeApp(workspace: workspace, ascii: !backend.supportsUnicode)
    Runtime(program: app, backend: backend).run()
}
