import AIArtsRender

/// The `:` command line: every action by name, with Tab completion of commands and ids
/// (`:task start T0003`, `:open D0001`, `:gpu`, `:smoothing 0.8`).
enum CommandLineInput {
    /// What the command line understands, word by word, for completion and for `:help`.
    static let commands: [String: [String]] = [
        "task": ["start", "stop", "resume"],
        "open": [], "gpu": [], "reload": [], "help": [], "quit": [],
        "axis": ["step", "epoch", "time"], "smoothing": [], "log": [],
    ]

    /// The words that may come at the end of `text` (the word being typed), given the workspace's ids.
    static func candidates(_ text: String, state: HomeState) -> [String] {
        let words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        let taskIDs = state.data?.tasks.map(\.id) ?? []
        let datasetIDs = state.data?.datasets.map(\.id) ?? []
        switch words.count {
        case 0, 1: return commands.keys.sorted()
        case 2: return words[0] == "open" ? datasetIDs + taskIDs : commands[words[0]] ?? []
        case 3 where words[0] == "task": return taskIDs
        default: return []
        }
    }

    /// `text` with its last word completed as far as the candidates agree (a space added when one fits).
    static func complete(_ text: String, state: HomeState) -> String {
        let prefix = String(text.split(separator: " ", omittingEmptySubsequences: false).last ?? "")
        let matches = candidates(text, state: state).filter { $0.hasPrefix(prefix) }
        guard let first = matches.first else { return text }
        var common = first
        for m in matches.dropFirst() { while !m.hasPrefix(common) { common.removeLast() } }
        let head = String(text.dropLast(prefix.count))
        return head + common + (matches.count == 1 ? " " : "")
    }

    /// What a command line asks for.
    enum Request: Equatable {
        case action(Action)
        case startTask(String), stopTask(String), resumeTask(String)
        case open(String)
        case axis(CurveAxis)
        case smoothing(Double)
        case error(String)
    }

    static func parse(_ text: String) -> Request? {
        let words = text.split(separator: " ").map(String.init)
        guard let command = words.first else { return nil }
        let argument = words.count > 1 ? words[1] : nil
        switch (command, words.count) {
        case ("quit", 1), ("q", 1): return .action(.quit)
        case ("help", 1): return .action(.help)
        case ("reload", 1): return .action(.reload)
        case ("gpu", 1): return .action(.gpuScreen)
        case ("log", 1): return .action(.logScale)
        case ("open", 2): return .open(argument!)
        case ("axis", 2): return CurveAxis(rawValue: argument!).map(Request.axis) ?? .error("axis is step, epoch or time")
        case ("smoothing", 2):
            guard let w = Double(argument!), (0...0.99).contains(w) else { return .error("smoothing is a number from 0 to 0.99") }
            return .smoothing(w)
        case ("task", 3):
            switch argument! {
            case "start": return .startTask(words[2])
            case "stop": return .stopTask(words[2])
            case "resume": return .resumeTask(words[2])
            default: return .error("task takes start, stop or resume")
            }
        default:
            return .error("unknown command: \(Sanitize.line(text)) (Tab completes; try task start T0001, open D0001, gpu, quit)")
        }
    }
}
