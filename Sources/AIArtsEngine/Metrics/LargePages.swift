#if canImport(Glibc)
import Glibc
#endif

/// Asks Linux to back a large array's storage with 2 MiB pages (transparent huge pages, where
/// the system allows them on request): the columns of a log of millions of lines then fault in
/// a few hundred times instead of a hundred thousand. A hint only; elsewhere it does nothing.
enum LargePages {
    static let size = 2 << 20

    static func advise<T>(_ array: inout [T]) {
        #if os(Linux)
        let bytes = array.capacity * MemoryLayout<T>.stride
        guard bytes >= 2 * size else { return }
        array.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let start = (UInt(bitPattern: base) + UInt(size - 1)) & ~UInt(size - 1)
            let end = (UInt(bitPattern: base) + UInt(bytes)) & ~UInt(size - 1)
            guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
            _ = madvise(pointer, Int(end - start), MADV_HUGEPAGE)
        }
        #endif
    }
}
