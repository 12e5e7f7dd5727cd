/// Why an image could not be read or written. Descriptions are meant for a
/// person deciding what to do with the file.
public enum ImageError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Zero bytes.
    case empty
    /// Neither JPEG, PNG nor WebP magic bytes.
    case unknownFormat
    /// The header declares a size over `ImageLimits`; nothing was allocated.
    case tooLarge(width: Int, height: Int)
    /// The decoder gave up on the data.
    case corrupt(String)
    /// The data ends before the image does.
    case truncated(String)
    /// Valid data of a kind this decoder does not handle (or cannot use
    /// for the purpose asked, e.g. an RGB PNG as a class-index mask).
    case unsupported(String)
    /// Memory ran out while decoding or encoding.
    case outOfMemory
    /// A bad argument to an encoder (size, quality, palette).
    case invalidArgument(String)
    /// Reading the file failed.
    case io(String)

    public var description: String {
        switch self {
        case .empty:
            return "the file is empty (0 bytes); it was probably cut off during copying or download"
        case .unknownFormat:
            return "not a JPEG, PNG or WebP image (unrecognised first bytes); check the file type rather than its extension"
        case let .tooLarge(width, height):
            return "image declares \(width)x\(height) pixels, over the decode limit (default 65535 per side, "
                + "200 megapixels); the header is probably corrupt, or the image must be downscaled first"
        case let .corrupt(detail):
            return "image data is corrupt (\(detail)); re-export the image or remove it from the dataset"
        case let .truncated(detail):
            return "image data ends early (\(detail)); the file is incomplete, copy or download it again"
        case let .unsupported(detail):
            return "unsupported image: \(detail)"
        case .outOfMemory:
            return "ran out of memory while processing the image"
        case let .invalidArgument(detail):
            return "invalid image argument: \(detail)"
        case let .io(detail):
            return "cannot read image file: \(detail)"
        }
    }
}
