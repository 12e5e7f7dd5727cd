import AIArtsEngine
import AIArtsRender
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Kitty's terminal graphics protocol (also spoken by WezTerm, Ghostty and Konsole): the escape
/// sequences that show an image over a rectangle of cells, delete it, and ask whether the terminal
/// understands them at all. Pixels go as zlib-compressed RGB in base64 chunks of at most 4096 bytes.
/// Inside tmux each sequence is wrapped for passthrough (tmux needs `allow-passthrough on`).
public enum KittyGraphics {
    /// Shows `placement`: the cursor is saved, moved to the rectangle's top-left cell, the image sent
    /// and scaled into the rectangle (drawn under the text, so labels written in those cells show
    /// over it), and the cursor put back where the screen library left it.
    public static func place(_ placement: GraphicPlacement, tmux: Bool = false) -> [UInt8] {
        let image = placement.image, area = placement.area
        let pixels = placement.paintedPixels()
        let deflated = deflated(pixels)
        let compressed = deflated.map { $0.count < pixels.count } ?? false
        let data = Array(base64(compressed ? deflated ?? pixels : pixels).utf8)
        var out: [UInt8] = Array("\u{1B}7\u{1B}[\(area.y + 1);\(area.x + 1)H".utf8)
        var offset = 0
        repeat {
            let chunk = data[offset..<min(data.count, offset + 4096)]
            offset += chunk.count
            let more = offset < data.count ? 1 : 0
            let keys = chunk.startIndex == 0
                ? "a=T,f=24,s=\(image.width),v=\(image.height),i=\(placement.id),c=\(area.width),r=\(area.height),C=1,q=2,z=-1" + (compressed ? ",o=z" : "") + ",m=\(more)"
                : "m=\(more)"
            out += wrap(Array("\u{1B}_G\(keys);".utf8) + chunk + Array("\u{1B}\\".utf8), tmux: tmux)
        } while offset < data.count
        out += Array("\u{1B}8".utf8)
        return out
    }

    /// Deletes the image `id` and its placements (and frees its data in the terminal).
    public static func delete(_ id: UInt32, tmux: Bool = false) -> [UInt8] {
        wrap(Array("\u{1B}_Ga=d,d=I,i=\(id),q=2\u{1B}\\".utf8), tmux: tmux)
    }

    /// The question: a 1×1 image query (id 31) followed by a primary device attributes request,
    /// which every terminal answers; a terminal that knows the protocol answers the query first.
    public static func query(tmux: Bool) -> [UInt8] {
        wrap(Array("\u{1B}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1B}\\".utf8), tmux: tmux) + Array("\u{1B}[c".utf8)
    }

    /// Reads an answer to `query`: true when the graphics reply came, false once the device
    /// attributes reply came without it, nil while neither is complete.
    public static func answer(_ bytes: [UInt8]) -> Bool? {
        let text = String(decoding: bytes, as: UTF8.self)
        if text.contains("\u{1B}_Gi=31;OK") { return true }
        // CSI ? … c
        if let start = text.range(of: "\u{1B}[?"), text[start.upperBound...].contains("c") { return false }
        return nil
    }

    /// tmux passes a sequence through to the outer terminal inside DCS tmux; … ST, its ESCs doubled.
    static func wrap(_ sequence: [UInt8], tmux: Bool) -> [UInt8] {
        guard tmux else { return sequence }
        var out = Array("\u{1B}Ptmux;".utf8)
        for byte in sequence { if byte == 0x1B { out.append(0x1B) }; out.append(byte) }
        return out + Array("\u{1B}\\".utf8)
    }

    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    /// zlib (RFC 1950) at the fastest level: photos shrink by a third or so, masks and flat images a lot.
    static func deflated(_ bytes: [UInt8]) -> [UInt8]? { ZlibStream.compress(bytes, format: .zlib, level: 1) }
}

/// Whether to show images through a graphics protocol (`--graphics`, docs/ui.md).
public enum GraphicsChoice: String, CaseIterable, Sendable {
    /// Ask the terminal (not inside tmux or screen, nor on terminals that cannot answer).
    case auto
    /// Use kitty's protocol without asking (through tmux passthrough inside tmux).
    case kitty
    /// Half blocks and characters only.
    case off

    /// Terminals not worth asking: they cannot show images, and some never answer.
    static let plainTerminals: Set<String> = ["dumb", "linux", "vt100", "vt102", "vt220", "ansi", "cons25"]

    /// Whether images go through kitty's protocol. `auto` asks with `ask` (which writes the query
    /// and waits briefly for the answer) unless the environment rules it out first: inside tmux or
    /// screen (images would not follow the pane), or on a plain terminal.
    func resolve(environment: [String: String], ask: () -> Bool) -> Bool {
        switch self {
        case .off: return false
        case .kitty: return true
        case .auto:
            if environment["TMUX"] != nil || environment["STY"] != nil { return false }
            let term = environment["TERM"] ?? ""
            if term.isEmpty || Self.plainTerminals.contains(term) || term.hasPrefix("screen") || term.hasPrefix("tmux") { return false }
            return ask()
        }
    }

    /// Writes the query on the terminal and reads its answer for at most `timeout` seconds, with
    /// the terminal in raw mode meanwhile (before the screen library takes it over). Keys typed in
    /// that moment are lost.
    static func askTerminal(timeout: Double = 0.2, tmux: Bool) -> Bool {
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return false }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in cc[Int(VMIN)] = 0; cc[Int(VTIME)] = 0 }
        guard tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0 else { return false }
        defer { tcsetattr(STDIN_FILENO, TCSANOW, &saved) }
        let query = KittyGraphics.query(tmux: tmux)
        guard query.withUnsafeBytes({ write(STDOUT_FILENO, $0.baseAddress, $0.count) }) == query.count else { return false }
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var fds = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            let left = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            guard poll(&fds, 1, left) > 0 else { break }
            var chunk = [UInt8](repeating: 0, count: 256)
            let n = read(STDIN_FILENO, &chunk, chunk.count)
            guard n > 0 else { break }
            received += chunk[0..<n]
            if let answer = KittyGraphics.answer(received) { return answer }
        }
        return false
    }
}
