import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a .tar.gz: POSIX ustar headers, a pax header for a name or size that does not fit them,
/// compressed with zlib's gzip wrapper. Only folders and regular files are written; names are
/// given by the caller, relative and '/'-separated.
final class TarGzWriter {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let path: String
    private let fd: Int32
    private let stream: ZlibStream
    private var output = [UInt8](repeating: 0, count: 1 << 16)
    private var finished = false

    /// Creates `path`, which must not exist yet.
    init(path: String, level: Int32 = 6) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        do { stream = try ZlibStream(deflating: .gzip, level: level) } catch {
            close(fd)
            unlink(path)
            throw Failure(description: error.description)
        }
    }

    deinit {
        close(fd)
    }

    /// Removes the partly written file.
    func discard() {
        unlink(path)
    }

    func addDirectory(_ name: String, modified: Date) throws {
        let slashed = name.hasSuffix("/") ? name : name + "/"
        try header(name: slashed, size: 0, type: "5", mode: 0o755, modified: modified)
    }

    /// Adds `size` bytes read from `source`; a file that is no longer that long is an error.
    func addFile(_ name: String, from source: String, size: Int64, modified: Date) throws {
        try header(name: name, size: size, type: "0", mode: 0o644, modified: modified)
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw Failure(description: "cannot open \(source): \(String(cString: strerror(errno)))") }
        defer { close(input) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var left = size
        while left > 0 {
            let want = Int(min(Int64(buffer.count), left))
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, want) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot read \(source): \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw Failure(description: "\(source) became shorter while it was being archived") }
            try compress(buffer[0..<n])
            left -= Int64(n)
        }
        try pad(size)
    }

    /// Ends the archive (two zero blocks), flushes the gzip stream and the file.
    func finish() throws {
        try compress([UInt8](repeating: 0, count: 1024))
        try deflateSome([], finish: true)
        finished = true
        if fsync(fd) != 0 && errno != EINVAL {
            throw Failure(description: "cannot flush \(path): \(String(cString: strerror(errno)))")
        }
    }

    // MARK: Headers

    private func header(name: String, size: Int64, type: Character, mode: Int, modified: Date) throws {
        let nameBytes = Array(name.utf8)
        let mtime = max(0, Int64(modified.timeIntervalSince1970))
        let split = Self.split(nameBytes)
        let sizeFits = size < 0o77777777777
        if split == nil || !sizeFits {
            var records: [String: String] = [:]
            if split == nil { records["path"] = name }
            if !sizeFits { records["size"] = String(size) }
            let data = Self.paxData(records)
            let paxName = Array("PaxHeaders/\(nameBytes.count > 80 ? "entry" : name)".utf8.prefix(99))
            try compress(Self.block(name: paxName, prefix: [], size: Int64(data.count), type: "x", mode: 0o644, mtime: mtime))
            try compress(data)
            try pad(Int64(data.count))
        }
        let (prefix, rest) = split ?? ([], Array(nameBytes.suffix(99)))
        try compress(Self.block(name: rest, prefix: prefix, size: sizeFits ? size : 0, type: type, mode: mode, mtime: mtime))
    }

    /// ustar stores a name of up to 100 bytes, or a prefix of up to 155 and a name of up to 100
    /// split at a '/'. Nil when neither fits.
    static func split(_ name: [UInt8]) -> (prefix: [UInt8], name: [UInt8])? {
        if name.count <= 100 { return ([], name) }
        for i in stride(from: min(name.count - 1, 155), through: 1, by: -1) where name[i] == UInt8(ascii: "/") {
            let rest = Array(name[(i + 1)...])
            if rest.count <= 100, !rest.isEmpty { return (Array(name[..<i]), rest) }
            break
        }
        return nil
    }

    /// pax records: "<length> <key>=<value>\n", the length counting the whole record, itself included.
    static func paxData(_ records: [String: String]) -> [UInt8] {
        var out: [UInt8] = []
        for (key, value) in records.sorted(by: { $0.key < $1.key }) {
            let body = " \(key)=\(value)\n".utf8.count
            var length = body + 1
            while String(length).utf8.count + body != length { length = String(length).utf8.count + body }
            out += Array("\(length) \(key)=\(value)\n".utf8)
        }
        return out
    }

    static func block(name: [UInt8], prefix: [UInt8], size: Int64, type: Character, mode: Int, mtime: Int64) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ bytes: [UInt8], at offset: Int, width: Int) {
            for (i, b) in bytes.prefix(width).enumerated() { block[offset + i] = b }
        }
        func octal(_ value: Int64, at offset: Int, width: Int) {
            // width - 1 digits, zero padded, then a NUL.
            let digits = String(value, radix: 8)
            put(Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8), at: offset, width: width - 1)
        }
        put(name, at: 0, width: 100)
        octal(Int64(mode), at: 100, width: 8)
        octal(0, at: 108, width: 8)  // uid
        octal(0, at: 116, width: 8)  // gid
        octal(size, at: 124, width: 12)
        octal(min(mtime, 0o77777777777), at: 136, width: 12)
        block[156] = type.asciiValue ?? UInt8(ascii: "0")
        put(Array("ustar\0".utf8), at: 257, width: 6)
        put(Array("00".utf8), at: 263, width: 2)
        put(prefix, at: 345, width: 155)
        // The checksum is the byte sum with its own field read as eight spaces: six octal digits, NUL, space.
        for i in 148..<156 { block[i] = 0x20 }
        let sum = block.reduce(0) { $0 + Int64($1) }
        octal(sum, at: 148, width: 7)
        block[155] = 0x20
        return block
    }

    // MARK: Compression

    private func pad(_ size: Int64) throws {
        let padding = Int((512 - size % 512) % 512)
        if padding > 0 { try compress([UInt8](repeating: 0, count: padding)) }
    }

    private func compress<C: Collection>(_ bytes: C) throws where C.Element == UInt8 {
        try deflateSome(Array(bytes), finish: false)
    }

    private func deflateSome(_ input: [UInt8], finish: Bool) throws {
        try input.withUnsafeBytes { inBuffer in
            var start = 0
            while true {
                let step = output.withUnsafeMutableBytes { out in
                    stream.step(UnsafeRawBufferPointer(rebasing: inBuffer[start...]), out, finish: finish)
                }
                start += step.consumed
                if case .dataError(let why) = step.status { throw Failure(description: "zlib could not compress (\(why))") }
                try writeAll(step.produced)
                if finish {
                    if step.status == .streamEnd { return }
                } else if start == inBuffer.count && step.produced < output.count {
                    return
                }
            }
        }
    }

    private func writeAll(_ count: Int) throws {
        var written = 0
        while written < count {
            let n = output.withUnsafeBytes { write(fd, $0.baseAddress! + written, count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            written += n
        }
    }
}
