import Foundation

/// A parsed JSON text, stored as a flat tape of nodes over the input bytes.
///
/// Why a tape and not a tree of enums: a 100 MB COCO file holds tens of millions of values;
/// allocating an array or dictionary per object dominates parse time. Here parsing appends
/// fixed-size nodes to one array, strings stay in the input until asked for, and objects are
/// searched by comparing key bytes. Use `root` to walk it, or `JSONValue(_:)` for a small tree.
public final class JSONDocument: Sendable {
    @usableFromInline let bytes: [UInt8]
    @usableFromInline let nodes: JSONTape
    @usableFromInline let unescaped: [UInt8]

    public static let defaultMaxDepth = 512

    public init(bytes: [UInt8], maxDepth: Int = JSONDocument.defaultMaxDepth) throws(JSONParseError) {
        var builder = JSONTapeBuilder(maxDepth: maxDepth, sizeHint: bytes.count)
        let result: JSONParseError? = bytes.withUnsafeBufferPointer { p -> JSONParseError? in
            do throws(JSONParseError) { try builder.parse(p); return nil } catch { return error }
        }
        if let result {
            builder.discard()
            throw result
        }
        self.bytes = bytes
        self.nodes = builder.finish()
        self.unescaped = builder.unescaped
    }

    public convenience init(data: Data, maxDepth: Int = JSONDocument.defaultMaxDepth) throws(JSONParseError) {
        try self.init(bytes: [UInt8](data), maxDepth: maxDepth)
    }

    public convenience init(string: String, maxDepth: Int = JSONDocument.defaultMaxDepth) throws(JSONParseError) {
        try self.init(bytes: Array(string.utf8), maxDepth: maxDepth)
    }

    /// Reads and parses a file. File errors are rethrown as they come; syntax errors are `JSONParseError`.
    public convenience init(contentsOf url: URL, maxDepth: Int = JSONDocument.defaultMaxDepth) throws {
        try self.init(bytes: try JSONDocument.readBytes(url), maxDepth: maxDepth)
    }

    /// Reads a whole file into bytes. Mapping first means the only full copy is into the array.
    public static func readBytes(_ url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url, options: .mappedIfSafe))
    }

    /// The top-level value.
    public var root: JSON { JSON(document: self, index: 0) }

    /// Line numbers for byte offsets, built on first need by the caller (files with no
    /// problems never pay for it).
    public func lineIndex() -> JSONLineIndex { JSONLineIndex(bytes) }
}

/// Maps byte offsets to 1-based line numbers by binary search over newline positions.
public struct JSONLineIndex: Sendable {
    private let newlines: [Int]

    init(_ bytes: [UInt8]) {
        var found: [Int] = []
        // memchr skips newline-free stretches many bytes at a time; a byte loop over a 100 MB
        // file was a visible part of reading a COCO file.
        bytes.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress else { return }
            var from = 0
            while from < p.count, let hit = memchr(base + from, 0x0A, p.count - from) {
                let i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                found.append(i)
                from = i + 1
            }
        }
        newlines = found
    }

    public func line(at offset: Int) -> Int {
        var low = 0, high = newlines.count
        while low < high {
            let mid = (low + high) / 2
            if newlines[mid] < offset { low = mid + 1 } else { high = mid }
        }
        return low + 1
    }
}

/// A value inside a `JSONDocument`. Cheap to copy (a reference and an index).
public struct JSON: Sendable {
    public let document: JSONDocument
    public let index: Int

    @inlinable var node: JSONNode { document.nodes[index] }

    public var kind: JSONKind { node.kind }
    public var isNull: Bool { node.kind == .null }
    /// Byte offset of the value in the input (see `JSONDocument.lineIndex()`); nil for numbers,
    /// which do not keep one (report the enclosing value's position instead).
    public var offset: Int? { node.offset }

    public var bool: Bool? { node.kind == .bool ? node.count != 0 : nil }
    public var double: Double? { node.kind == .number ? Double(bitPattern: node.payload) : nil }

    /// The number as an integer, when it is one exactly (1.0 counts; 1.5 and 1e300 do not).
    public var int64: Int64? {
        guard let d = double, d == d.rounded(), abs(d) < 9.2e18 else { return nil }
        return Int64(d)
    }
    public var int: Int? { int64.map { Int($0) } }

    public var string: String? {
        let n = node
        guard n.kind == .string else { return nil }
        let start = n.low, count = Int(n.count)
        let source = n.escaped ? document.unescaped : document.bytes
        return source.withUnsafeBufferPointer { p in
            String(decoding: UnsafeBufferPointer(rebasing: p[start..<(start + count)]), as: UTF8.self)
        }
    }

    /// Number of array elements or object members; 0 for other kinds.
    public var count: Int {
        let n = node
        return n.kind == .array || n.kind == .object ? Int(n.count) : 0
    }

    /// Index of the value after this one and all it contains.
    @inlinable func nextIndex(_ i: Int) -> Int {
        let n = document.nodes[i]
        return n.kind == .array || n.kind == .object ? n.low : i + 1
    }

    /// Array elements (empty for other kinds).
    public var elements: JSONElements { JSONElements(document: document, first: index + 1, count: node.kind == .array ? Int(node.count) : 0) }

    /// Object members in document order (empty for other kinds). Duplicate keys are all kept.
    public var members: JSONMembers { JSONMembers(document: document, first: index + 1, count: node.kind == .object ? Int(node.count) : 0) }

    /// The member named `key` (the first one, if repeated), compared byte for byte without
    /// building strings; nil if this is not an object or has no such member.
    public subscript(key: String) -> JSON? {
        guard node.kind == .object else { return nil }
        var key = key
        return key.withUTF8 { k in
            var i = index + 1
            for _ in 0..<Int(node.count) {
                if keyEquals(i, k) { return JSON(document: document, index: i + 1) }
                i = nextIndex(i + 1)
            }
            return nil
        }
    }

    /// The element at `position` of an array (walks from the start), or nil.
    public subscript(position: Int) -> JSON? {
        guard node.kind == .array, position >= 0, position < Int(node.count) else { return nil }
        var i = index + 1
        for _ in 0..<position { i = nextIndex(i) }
        return JSON(document: document, index: i)
    }

    private func keyEquals(_ i: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = document.nodes[i]
        guard Int(n.count) == key.count else { return false }
        let source = n.escaped ? document.unescaped : document.bytes
        return source.withUnsafeBufferPointer { p in
            key.count == 0 || memcmp(p.baseAddress! + n.low, key.baseAddress!, key.count) == 0
        }
    }

    /// Array of numbers as Doubles; nil if not an array or any element is not a number.
    public var doubles: [Double]? {
        guard node.kind == .array else { return nil }
        // Numbers are single tape nodes, so an all-number array's elements are the next `count`
        // nodes. Checking them first means a list of lists (COCO polygons) is rejected without
        // allocating.
        let nodes = document.nodes
        let n = count
        for i in 0..<n where nodes[index + 1 + i].kind != .number { return nil }
        return [Double](unsafeUninitializedCapacity: n) { buffer, initialized in
            for i in 0..<n { buffer[i] = Double(bitPattern: nodes[index + 1 + i].payload) }
            initialized = n
        }
    }

    /// Calls `body` with each member's key bytes and value in document order (nothing for
    /// other kinds). Reading several fields of an object this way walks it once, where one
    /// subscript per field walks it once per field and compares every key on the way.
    public func forEachMember(_ body: (_ key: UnsafeBufferPointer<UInt8>, _ value: JSON) -> Void) {
        guard node.kind == .object else { return }
        let memberCount = Int(node.count)
        document.bytes.withUnsafeBufferPointer { input in
            document.unescaped.withUnsafeBufferPointer { unescaped in
                var i = index + 1
                for _ in 0..<memberCount {
                    let key = document.nodes[i]
                    let source = key.escaped ? unescaped : input
                    body(UnsafeBufferPointer(rebasing: source[key.low..<(key.low + Int(key.count))]),
                         JSON(document: document, index: i + 1))
                    i = nextIndex(i + 1)
                }
            }
        }
    }
}

public struct JSONElements: Sequence, Sendable {
    let document: JSONDocument
    let first: Int
    public let count: Int

    public struct Iterator: IteratorProtocol {
        let document: JSONDocument
        var position: Int
        var remaining: Int
        public mutating func next() -> JSON? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            let value = JSON(document: document, index: position)
            position = value.nextIndex(position)
            return value
        }
    }

    public func makeIterator() -> Iterator { Iterator(document: document, position: first, remaining: count) }
    public var underestimatedCount: Int { count }
}

public struct JSONMembers: Sequence, Sendable {
    let document: JSONDocument
    let first: Int
    public let count: Int

    public struct Iterator: IteratorProtocol {
        let document: JSONDocument
        var position: Int
        var remaining: Int
        public mutating func next() -> (key: String, value: JSON)? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            let key = JSON(document: document, index: position)
            let value = JSON(document: document, index: position + 1)
            position = value.nextIndex(position + 1)
            return (key.string ?? "", value)
        }
    }

    public func makeIterator() -> Iterator { Iterator(document: document, position: first, remaining: count) }
    public var underestimatedCount: Int { count }
}
