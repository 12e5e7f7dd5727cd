import Foundation

/// A value inside a `JSONDocument` that holds no counted reference to it.
///
/// Why: every `JSON` value retains its document, and walking half a million COCO annotations
/// makes millions of them (each element, each member, each field kept), each a retain and a
/// release. A view is only an unretained reference and an index: use it in a hot loop over a
/// document the caller keeps alive, and never keep one past that (turn it into `json` to keep it).
struct JSONView {
    unowned(unsafe) let document: JSONDocument
    let index: Int

    @inline(__always) init(_ json: JSON) { document = json.document; index = json.index }
    @inline(__always) init(document: JSONDocument, index: Int) { self.document = document; self.index = index }

    /// The same value as a `JSON`, which keeps the document alive.
    var json: JSON { JSON(document: document, index: index) }

    @inline(__always) private var nodes: UnsafeMutablePointer<JSONNode> { document.nodes.nodes }
    @inline(__always) private var node: JSONNode { nodes[index] }

    var kind: JSONKind { node.kind }
    var isNull: Bool { node.kind == .null }
    var offset: Int? { node.offset }
    var bool: Bool? { node.kind == .bool ? node.count != 0 : nil }
    var double: Double? { node.kind == .number ? Double(bitPattern: node.payload) : nil }

    /// As `JSON.int64`: the number when it is an integer exactly.
    var int64: Int64? {
        guard let d = double, d == d.rounded(), abs(d) < 9.2e18 else { return nil }
        return Int64(d)
    }

    var count: Int {
        let n = node
        return n.kind == .array || n.kind == .object ? Int(n.count) : 0
    }

    /// Element count of an array whose elements are all numbers; nil for anything else. With
    /// `forEachNumber`, reads a list of numbers in place instead of building `JSON.doubles`.
    var numberArrayCount: Int? {
        let n = node
        guard n.kind == .array else { return nil }
        let nodes = self.nodes
        for i in 0..<Int(n.count) where nodes[index + 1 + i].kind != .number { return nil }
        return Int(n.count)
    }

    /// Calls `body` with each element of an all-number array (see `numberArrayCount`), in order.
    @inline(__always)
    func forEachNumber(_ body: (Double) -> Void) {
        guard let count = numberArrayCount else { return }
        let nodes = self.nodes
        for i in 0..<count { body(Double(bitPattern: nodes[index + 1 + i].payload)) }
    }

    @inline(__always) private func next(_ i: Int) -> Int {
        let n = nodes[i]
        return n.kind == .array || n.kind == .object ? n.low : i + 1
    }

    /// Array elements in order (none for other kinds).
    var elements: Elements { Elements(document: document, position: index + 1, remaining: node.kind == .array ? Int(node.count) : 0) }

    struct Elements: Sequence, IteratorProtocol {
        unowned(unsafe) let document: JSONDocument
        var position: Int
        var remaining: Int

        mutating func next() -> JSONView? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            let value = JSONView(document: document, index: position)
            position = value.next(position)
            return value
        }
    }

    /// Calls `body` with each member's key bytes and value in document order (nothing for
    /// other kinds), as `JSON.forEachMember`.
    func forEachMember(_ body: (_ key: UnsafeBufferPointer<UInt8>, _ value: JSONView) -> Void) {
        guard node.kind == .object else { return }
        let memberCount = Int(node.count)
        document.bytes.withUnsafeBufferPointer { input in
            document.unescaped.withUnsafeBufferPointer { unescaped in
                var i = index + 1
                for _ in 0..<memberCount {
                    let key = nodes[i]
                    let source = key.escaped ? unescaped : input
                    body(UnsafeBufferPointer(rebasing: source[key.low..<(key.low + Int(key.count))]),
                         JSONView(document: document, index: i + 1))
                    i = next(i + 1)
                }
            }
        }
    }
}
