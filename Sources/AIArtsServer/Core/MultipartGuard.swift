import NIOCore

/// multipart-kit 4.7.1's parser traps (an array index out of range) on a byte above 127 where a part's
/// header name is read, which would take the whole server down. This follows the parser's own states
/// over the same bytes, without its callbacks, and refuses such a body before the parser sees it.
/// Mirrors MultipartParser.swift of that version state for state; remove it once the parser is fixed.
struct MultipartGuard {
    private enum Header { case preHeaders(lfNext: Bool), name(empty: Bool), value, postValue, post }
    private enum State { case preamble(Int), headers(Header), body, boundary(Int), epilogue }
    private let boundary: [UInt8]
    private var state = State.preamble(0)

    init(boundary: String) { self.boundary = Array("\r\n--\(boundary)".utf8) }

    /// Throws on the bytes that would crash the parser (and gives up following a body the parser would refuse).
    mutating func check(_ buffer: ByteBuffer) throws {
        try buffer.withUnsafeReadableBytes { bytes in
            var i = 0
            let count = bytes.count, n = boundary.count
            while i < count {
                switch state {
                case .preamble(var match):
                    while match < n, i < count {
                        let byte = bytes[i]; i += 1
                        if match == 0, byte == boundary[2] { match = 3 }
                        else if byte == boundary[match] { match += 1 }
                        else if match > 0, byte == boundary[0] { match = 1 }
                        else { match = 0 }
                    }
                    state = match >= n ? .headers(.preHeaders(lfNext: false)) : .preamble(match)
                case .headers(var header):
                    headers: while i < count {
                        let byte = bytes[i]
                        switch header {
                        case .preHeaders(let lfNext):
                            i += 1
                            if !lfNext && byte == 13 { header = .preHeaders(lfNext: true) }
                            else if lfNext && byte == 10 { header = .name(empty: true) }
                            else { state = .epilogue; return }  // the parser refuses this body
                        case .name(let empty):
                            i += 1
                            if byte == 58 && !empty { header = .value }
                            else if byte == 13 && empty { header = .post }
                            else if byte >= 128 {
                                throw APIError.badRequest("the multipart body is malformed: a part's header name is not ASCII")
                            } else { header = .name(empty: false) }
                        case .value:
                            i += 1
                            if byte == 13 { header = .postValue }
                        case .postValue:
                            i += 1
                            if byte != 10 { state = .epilogue; return }
                            header = .name(empty: true)
                        case .post:
                            i += 1
                            if byte != 10 { state = .epilogue; return }
                            state = .body
                            break headers
                        }
                    }
                    if case .headers = state { state = .headers(header) }
                case .body:
                    while i < count, bytes[i] != boundary[0] { i += 1 }
                    if i < count { state = .boundary(0) }
                case .boundary(var match):
                    while i < count {
                        let byte = bytes[i]; i += 1
                        if match >= n {
                            if byte == 13 { state = .headers(.preHeaders(lfNext: true)) }
                            else { state = .epilogue }  // "--": the end; anything else the parser refuses
                            break
                        }
                        if byte != boundary[match] {
                            state = byte == boundary[0] ? .boundary(1) : .body
                            break
                        }
                        match += 1
                        state = .boundary(match)
                    }
                case .epilogue:
                    return
                }
            }
        }
    }
}
