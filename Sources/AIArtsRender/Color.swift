/// A terminal colour. Widgets say what they mean (an ANSI colour, a 256-palette index, an RGB value);
/// the backend maps it down to what the terminal can show (see `nearestIndexed`, `nearestANSI`).
public enum Color: Hashable, Sendable {
    /// The terminal's own foreground or background.
    case `default`
    /// One of the 16 ANSI colours (0–7 normal, 8–15 bright).
    case ansi(UInt8)
    /// An index into the xterm 256-colour palette.
    case indexed(UInt8)
    case rgb(UInt8, UInt8, UInt8)

    public static let black = Color.ansi(0), red = Color.ansi(1), green = Color.ansi(2), yellow = Color.ansi(3)
    public static let blue = Color.ansi(4), magenta = Color.ansi(5), cyan = Color.ansi(6), white = Color.ansi(7)
    public static let gray = Color.ansi(8), brightWhite = Color.ansi(15)

    /// The closest xterm-256 palette index (nil for `.default`).
    public var nearestIndexed: UInt8? {
        switch self {
        case .default: return nil
        case .ansi(let n): return n & 15
        case .indexed(let n): return n
        case .rgb(let r, let g, let b): return Self.indexed(r: r, g: g, b: b)
        }
    }

    /// The closest of the 16 ANSI colours (nil for `.default`), for 8/16-colour terminals.
    public var nearestANSI: UInt8? {
        switch self {
        case .default: return nil
        case .ansi(let n): return n & 15
        case .indexed(let n):
            if n < 16 { return n }
            let (r, g, b) = Self.rgbOfIndex(n)
            return Self.ansi(r: r, g: g, b: b)
        case .rgb(let r, let g, let b): return Self.ansi(r: r, g: g, b: b)
        }
    }

    /// The colour as RGB, ANSI colours as xterm shows them (white for `.default`): for drawing
    /// into pixels.
    public var approximateRGB: (UInt8, UInt8, UInt8) {
        let v: (Int, Int, Int)
        switch self {
        case .default: v = (255, 255, 255)
        case .ansi(let n): v = Self.ansiRGB[Int(n & 15)]
        case .indexed(let n): v = n < 16 ? Self.ansiRGB[Int(n)] : Self.rgbOfIndex(n)
        case .rgb(let r, let g, let b): return (r, g, b)
        }
        return (UInt8(v.0), UInt8(v.1), UInt8(v.2))
    }

    // The 6×6×6 cube uses these levels; the grey ramp is 8, 18, …, 238.
    private static let levels: [Int] = [0, 95, 135, 175, 215, 255]

    static func indexed(r: UInt8, g: UInt8, b: UInt8) -> UInt8 {
        func level(_ v: UInt8) -> Int {
            var best = 0
            for i in 1..<6 where abs(levels[i] - Int(v)) < abs(levels[best] - Int(v)) { best = i }
            return best
        }
        let (ri, gi, bi) = (level(r), level(g), level(b))
        let cube = 16 + 36 * ri + 6 * gi + bi
        let cubeDistance = distance((levels[ri], levels[gi], levels[bi]), (Int(r), Int(g), Int(b)))
        let average = (Int(r) + Int(g) + Int(b)) / 3
        let greyIndex = min(23, max(0, (average - 8 + 5) / 10))
        let grey = 8 + 10 * greyIndex
        // Greys are better served by the grey ramp than by the coarse cube.
        if distance((grey, grey, grey), (Int(r), Int(g), Int(b))) < cubeDistance { return UInt8(232 + greyIndex) }
        return UInt8(cube)
    }

    static func rgbOfIndex(_ n: UInt8) -> (Int, Int, Int) {
        if n >= 232 { let v = 8 + 10 * (Int(n) - 232); return (v, v, v) }
        let c = Int(n) - 16
        return (levels[c / 36], levels[(c / 6) % 6], levels[c % 6])
    }

    // xterm's default values for the 16 ANSI colours.
    private static let ansiRGB: [(Int, Int, Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]

    static func ansi(r: Int, g: Int, b: Int) -> UInt8 {
        var best = 0
        for i in 1..<16 where distance(ansiRGB[i], (r, g, b)) < distance(ansiRGB[best], (r, g, b)) { best = i }
        return UInt8(best)
    }

    static func ansi(r: UInt8, g: UInt8, b: UInt8) -> UInt8 { ansi(r: Int(r), g: Int(g), b: Int(b)) }

    private static func distance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
        let (dr, dg, db) = (a.0 - b.0, a.1 - b.1, a.2 - b.2)
        return dr * dr + dg * dg + db * db
    }
}
