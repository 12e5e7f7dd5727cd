import AIArtsEngine
import AIArtsRender
import Foundation

/// Opens the full-screen Home view over `workspace` and returns when the user quits (q, Ctrl-C).
/// The terminal is restored on return, on a thrown error, on SIGINT/SIGTERM/SIGHUP and on a crash.
/// `theme` and `keymap` are names or paths (`--theme`, `--keymap`); nil takes config.toml's choice,
/// else "default". A bad theme or keymap file throws a `ConfigError` before the screen is touched.
/// `graphics` says whether images may go through kitty's graphics protocol (`--graphics`).
public func runHomeUI(workspace: Workspace, theme: String? = nil, keymap: String? = nil, graphics: GraphicsChoice = .auto,
                      environment: [String: String] = ProcessInfo.processInfo.environment) throws {
    let config = try UIConfig.load(theme: theme, keymap: keymap, locator: ConfigLocator(environment: environment))
    let backend = try NcursesBackend(environment: environment, graphics: graphics)
    defer { backend.close() }
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var app = HomeApp(workspace: workspace, executable: executable, ascii: !backend.supportsUnicode,
                      theme: Theme(palette: config.palette, depth: backend.colorDepth), keymap: config.keymap)
    // Without a size from the terminal, a common 8×16 cell.
    if backend.graphics { app.state.graphicsCell = backend.cellPixels ?? Size(width: 8, height: 16) }
    Runtime(program: app, backend: backend).run()
}
