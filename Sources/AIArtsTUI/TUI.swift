import AIArtsEngine
import AIArtsRender
import Foundation

/// Opens the full-screen Home view over `workspace` (or, given `review`, the review screen) and returns when the user quits (q, Ctrl-C).
/// The terminal is restored on return, on a thrown error, on SIGINT/SIGTERM/SIGHUP and on a crash.
/// `theme` and `keymap` are names or paths (`--theme`, `--keymap`); nil takes config.toml's choice,
/// else "default". A bad theme or keymap file throws a `ConfigError` before the screen is touched.
/// `graphics` says whether images may go through kitty's graphics protocol (`--graphics`).
public func runHomeUI(workspace: Workspace, theme: String? = nil, keymap: String? = nil, graphics: GraphicsChoice = .auto,
                      review: ReviewRequest? = nil,
                      environment: [String: String] = ProcessInfo.processInfo.environment) throws {
    let config = try UIConfig.load(theme: theme, keymap: keymap, locator: ConfigLocator(environment: environment))
    let backend = try NcursesBackend(environment: environment, graphics: graphics)
    defer { backend.close() }
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var app = HomeApp(workspace: workspace, executable: executable, ascii: !backend.supportsUnicode,
                      theme: Theme(palette: config.palette, depth: backend.colorDepth), keymap: config.keymap)
    // Without a size from the terminal, a common 8×16 cell.
    if backend.graphics { app.state.graphicsCell = backend.cellPixels ?? Size(width: 8, height: 16) }
    // `aiarts review open`: straight into the review screen (Esc goes to Home).
    if let review { app.state.review = ReviewState(request: review) }
    let queue = DispatchQueue(label: "aiarts.tui.work", qos: .userInitiated)
    let final = Runtime(program: app, backend: backend, queue: queue).run()
    // Left with Ctrl-C while review decisions were on their way: they are saved before the process ends.
    if (final.state.review?.pending ?? 0) > 0 { queue.sync {} }
}
