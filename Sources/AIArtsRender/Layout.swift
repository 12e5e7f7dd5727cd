/// How much of a split one part asks for.
public enum Constraint: Equatable, Sendable {
    /// Exactly n cells (less if the whole is too small).
    case fixed(Int)
    /// n percent of the whole.
    case percentage(Int)
    /// A share (weight) of whatever fixed and percentage parts leave.
    case fill(Int)
}

public enum Direction: Sendable { case horizontal, vertical }

extension Rect {
    /// Splits this rect along `direction` into one rect per constraint. Fixed and percentage parts are
    /// served first, in order, until space runs out; fill parts share the rest by weight, the last
    /// one taking the rounding remainder so the parts always cover the whole.
    public func split(_ direction: Direction, _ constraints: [Constraint]) -> [Rect] {
        let total = direction == .horizontal ? width : height
        var sizes = Array(repeating: 0, count: constraints.count)
        var left = total
        for (i, c) in constraints.enumerated() {
            switch c {
            case .fixed(let n): sizes[i] = min(max(0, n), left)
            case .percentage(let p): sizes[i] = min(total * max(0, min(100, p)) / 100, left)
            case .fill: continue
            }
            left -= sizes[i]
        }
        let weights = constraints.map { if case .fill(let w) = $0 { max(0, w) } else { 0 } }
        let weightSum = weights.reduce(0, +)
        if weightSum > 0 {
            var given = 0
            let lastFill = weights.lastIndex(where: { $0 > 0 })!
            for i in weights.indices where weights[i] > 0 {
                sizes[i] = i == lastFill ? left - given : left * weights[i] / weightSum
                given += sizes[i]
            }
        }
        var offset = direction == .horizontal ? x : y
        return sizes.map { size in
            defer { offset += size }
            return direction == .horizontal
                ? Rect(x: offset, y: y, width: size, height: height)
                : Rect(x: x, y: offset, width: width, height: size)
        }
    }
}
