import AIArtsEngine
import AIArtsImaging
import Foundation

/// An image ready for a model: float32 CHW, with the size it was decoded at (for boxes and masks).
public struct PreparedImage: Sendable {
    public var tensor: [Float]
    /// [3, H, W] of `tensor`.
    public var shape: [Int]
    public var width: Int
    public var height: Int
}

/// What a loaded model is, as /health says it.
public struct ServingModelInfo: Sendable {
    public var task: String
    public var labels: [String]
    /// False: one image per model call (a batch axis fixed at 1, or a detection model taking a list).
    public var batching: Bool
    public var batchingNote: String?
    public var device: String
    /// The side images are resized to (nil: their own size).
    public var imageSize: Int?
}

/// A loaded model: runs a batch of prepared images and gives each image's named output arrays
/// (without the batch axis).
public protocol ServingBackend: Sendable {
    var info: ServingModelInfo { get }
    func run(_ batch: [PreparedImage]) async throws -> [[WorkerProtocol.Tensor]]
    /// Ends what the backend started (the Python worker).
    func shutdown() async
}

/// Decoding, resizing and normalising a request's image, as export.json (or the built-in model's
/// header) says.
public enum ImagePreparation {
    /// Requests larger than this are refused before decoding.
    public static let maxBytes = 64 << 20

    public static func prepare(_ bytes: [UInt8], size: Int?, mean: [Float], std: [Float]) throws -> PreparedImage {
        guard !bytes.isEmpty else { throw ServiceRequestError("the request has no image: send the image's bytes as the body, or multipart with a field `image`") }
        let decoded: DecodedImage
        do {
            var options = DecodeOptions(keepAlpha: false)
            if let size {
                // Decode shrunk (libjpeg scales while decoding) but never below the model's side.
                let info = try ImageCodec.info(bytes)
                let w = max(1, info.displayWidth), h = max(1, info.displayHeight), short = min(w, h)
                options.fitting = ImageSize(width: max(size, (size * w + short - 1) / short), height: max(size, (size * h + short - 1) / short))
            }
            decoded = try ImageCodec.decode(bytes, options: options)
        } catch {
            throw ServiceRequestError("the image cannot be decoded: \(error)")
        }
        let original = try ImageCodec.info(bytes)
        var image = decoded.image.droppingAlpha()
        if let size { image = image.resized(to: ImageSize(width: size, height: size)) }
        let plane = image.width * image.height, c = image.channels
        var out = [Float](repeating: 0, count: 3 * plane)
        let scale = (0..<3).map { 1 / (255 * std[$0]) }, shift = (0..<3).map { mean[$0] / std[$0] }
        image.pixels.withUnsafeBufferPointer { px in
            for p in 0..<plane {
                for k in 0..<3 { out[k * plane + p] = Float(px[p * c + k]) * scale[k] - shift[k] }
            }
        }
        return PreparedImage(tensor: out, shape: [3, image.height, image.width],
                             width: original.displayWidth, height: original.displayHeight)
    }
}

/// A request the service refuses (HTTP 400), with the reason.
public struct ServiceRequestError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
