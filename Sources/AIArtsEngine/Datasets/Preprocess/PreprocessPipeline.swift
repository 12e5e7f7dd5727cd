import AIArtsImaging
import Foundation

/// Applies an ordered op list to an image, a class mask or a size (docs/preprocessing.md). Pure:
/// no disk, no state; the preprocessing job, the UI's preview and the server all call it.
public enum PreprocessPipeline {
    /// The ops in order on a colour image. A crop that does not fit is clamped here; callers that
    /// must refuse it call `outputSize(_:for:)` first.
    public static func apply(_ ops: [PreprocessOp], to image: RGBImage) -> RGBImage {
        var image = image
        for op in ops { image = apply(op, to: image) }
        return image
    }

    /// One op. Ops made by hand rather than by the parser are brought into its ranges (a factor
    /// that is not a number changes nothing, a median or kernel size is made odd and at least 1, a
    /// negative border is none); a size past the codecs' limits is the caller's to refuse first,
    /// with `outputSize(_:for:)`.
    public static func apply(_ op: PreprocessOp, to image: RGBImage) -> RGBImage {
        switch op {
        case .flipHorizontal: return image.flippedHorizontally()
        case .flipVertical: return image.flippedVertically()
        case .rotate(let q): return image.rotated(quarterTurns: q)
        case .brightness(let f): return f.isFinite ? image.brightnessAdjusted(min(PreprocessOp.maxFactor, max(0, f))) : image
        case .contrast(let f): return f.isFinite ? image.contrastAdjusted(min(PreprocessOp.maxFactor, max(0, f))) : image
        case .gamma(let g): return g.isFinite && g > 0 ? image.gammaAdjusted(g) : image
        case .median(let k): return image.medianFiltered(size: min(PreprocessOp.maxMedian, max(1, k | 1)))
        case .gaussian(let sigma, let k):
            guard sigma.isFinite, sigma > 0 else { return image }
            return image.gaussianBlurred(sigma: sigma, size: min(2 * PreprocessOp.maxMedian + 1, max(1, k | 1)))
        case .resize, .resizeLongest:
            guard image.width > 0, image.height > 0 else { return image }
            let size = resizedSize(op, image.size)
            return image.resized(to: ImageSize(width: max(1, size.width), height: max(1, size.height)))
        case .crop(let x, let y, let w, let h): return image.cropped(x: x, y: y, width: w, height: h)
        case .pad(let l, let t, let r, let b, let v):
            return image.padded(left: max(0, l), top: max(0, t), right: max(0, r), bottom: max(0, b), fill: RGBColor(v, v, v))
        }
    }

    /// The ops on a class mask: geometric ops move it with nearest-neighbour sampling (a class is
    /// never blended), photometric ops leave it alone; padding is class 0.
    public static func apply(_ ops: [PreprocessOp], to mask: IndexedImage) -> IndexedImage {
        var mask = mask
        for op in ops {
            switch op {
            case .flipHorizontal: mask = mask.flippedHorizontally()
            case .flipVertical: mask = mask.flippedVertically()
            case .rotate(let q): mask = mask.rotated(quarterTurns: q)
            case .brightness, .contrast, .gamma, .median, .gaussian: break
            case .resize, .resizeLongest:
                guard mask.width > 0, mask.height > 0 else { continue }
                let size = resizedSize(op, ImageSize(width: mask.width, height: mask.height))
                mask = mask.resizedNearest(to: ImageSize(width: max(1, size.width), height: max(1, size.height)))
            case .crop(let x, let y, let w, let h): mask = mask.cropped(x: x, y: y, width: w, height: h)
            case .pad(let l, let t, let r, let b, _): mask = mask.padded(left: max(0, l), top: max(0, t), right: max(0, r), bottom: max(0, b), fill: 0)
            }
        }
        return mask
    }

    /// The size after the ops, or a one-line reason when they cannot apply to an image of `size`:
    /// a crop outside the image at its step, or a result past the codecs' limits.
    public static func outputSize(_ ops: [PreprocessOp], for size: ImageSize, limits: ImageLimits = .default) throws -> ImageSize {
        var size = size
        for op in ops {
            if case .pad(let l, let t, let r, let b, _) = op, min(l, t, r, b) < 0 || max(l, t, r, b) > PreprocessOp.maxPad {
                throw AIArtsError(.invalidArgument, "\(op.text): a border must be from 0 to \(PreprocessOp.maxPad) pixels")
            }
            switch op {
            case .flipHorizontal, .flipVertical, .brightness, .contrast, .gamma, .median, .gaussian: break
            case .rotate(let q): if q % 2 != 0 { size = ImageSize(width: size.height, height: size.width) }
            case .resize, .resizeLongest: size = resizedSize(op, size)
            case .crop(let x, let y, let w, let h):
                guard x + w <= size.width, y + h <= size.height else {
                    throw AIArtsError(.badInput, "\(op.text) does not fit inside the \(size) image\(op == ops.first ? "" : " (its size after the ops before the crop)")")
                }
                size = ImageSize(width: w, height: h)
            case .pad(let l, let t, let r, let b, _):
                size = ImageSize(width: size.width + l + r, height: size.height + t + b)
            }
            guard size.width >= 1, size.height >= 1 else {
                throw AIArtsError(.invalidArgument, "\(op.text) would make an empty image")
            }
            guard size.width <= limits.maxSide, size.height <= limits.maxSide, size.width * size.height <= limits.maxPixels else {
                throw AIArtsError(.badInput, "\(op.text) would make a \(size) image, past the limit of \(limits.maxSide) pixels a side and \(limits.maxPixels) in all")
            }
        }
        return size
    }

    /// Target size of a resize op on an image of `size`.
    static func resizedSize(_ op: PreprocessOp, _ size: ImageSize) -> ImageSize {
        switch op {
        case .resize(let w, let h): return ImageSize(width: w, height: h)
        case .resizeLongest(let side):
            let longer = max(size.width, size.height)
            guard longer > 0 else { return size }
            let scale = Double(side) / Double(longer)
            return ImageSize(width: max(1, Int((Double(size.width) * scale).rounded())),
                             height: max(1, Int((Double(size.height) * scale).rounded())))
        default: return size
        }
    }
}
