import AIArtsImaging
import Foundation
import Testing
@testable import AIArtsEngine

@Suite struct PreprocessOpTests {
    @Test func parsesEveryFormAndPrintsItBack() throws {
        let cases: [(String, PreprocessOp)] = [
            ("flip_h", .flipHorizontal), ("flip_v", .flipVertical),
            ("rotate=90", .rotate(quarterTurns: 1)), ("rotate=180", .rotate(quarterTurns: 2)),
            ("rotate=270", .rotate(quarterTurns: 3)),
            ("brightness=0.4", .brightness(0.4)), ("contrast=1.2", .contrast(1.2)), ("gamma=0.8", .gamma(0.8)),
            ("median=5", .median(size: 5)), ("gaussian=1.5", .gaussian(sigma: 1.5, size: 11)),
            ("gaussian=k5", .gaussian(sigma: 1.1, size: 5)), ("gaussian=2,k7", .gaussian(sigma: 2, size: 7)),
            ("resize=320x240", .resize(width: 320, height: 240)), ("resize=640", .resizeLongest(side: 640)),
            ("crop=10,10,200,200", .crop(x: 10, y: 10, width: 200, height: 200)),
            ("pad=8", .pad(left: 8, top: 8, right: 8, bottom: 8, value: 0)),
            ("pad=1,2,3,4:114", .pad(left: 1, top: 2, right: 3, bottom: 4, value: 114)),
        ]
        for (text, op) in cases {
            let parsed = try PreprocessOp(parsing: text)
            if case .gaussian(let s, let k) = op, case .gaussian(let ps, let pk) = parsed {
                #expect(abs(s - ps) < 1e-9 && k == pk, "\(text)")
            } else {
                #expect(parsed == op, "\(text)")
            }
            #expect(try PreprocessOp(parsing: parsed.text) == parsed, "\(text) → \(parsed.text)")
        }
        #expect(try PreprocessOp(parsing: "rotate=-90") == .rotate(quarterTurns: 3))
        #expect(try PreprocessOp(parsing: "median=3x3") == .median(size: 3))
        #expect(try PreprocessOp(parsing: "pad=8").text == "pad=8")
        #expect(try PreprocessOp(parsing: "brightness=0.4").slug == "brightness0.4")
        #expect(try PreprocessOp(parsing: "crop=1,2,3,4").slug == "crop1-2-3-4")
        // Codable as the text form.
        let json = try JSONEncoder().encode([PreprocessOp.flipVertical, .median(size: 5)])
        #expect(String(decoding: json, as: UTF8.self) == #"["flip_v","median=5"]"#)
        #expect(try JSONDecoder().decode([PreprocessOp].self, from: json) == [.flipVertical, .median(size: 5)])
    }

    @Test func badOpsAreRefusedNamingTheOp() {
        let bad = ["median=4", "median=5x3", "rotate=45", "brightness=-1", "brightness=abc", "gamma=0", "resize=0x10",
                   "resize=10x", "crop=1,2,3", "crop=0,0,0,5", "pad=1,2", "pad=8:300", "flip_v=1", "blur=3", "gaussian=",
                   "gaussian=k4", "median=999", "resize=99999999999999999999", "brightness=nan", "\u{1B}]0;x\u{7}"]
        for text in bad {
            do {
                _ = try PreprocessOp(parsing: text)
                Issue.record("\(text) was accepted")
            } catch let error as AIArtsError {
                #expect(error.kind == .invalidArgument)
                #expect(!error.message.contains("\n") && !error.message.contains("\u{1B}"), "\(error.message)")
                if !text.hasPrefix("\u{1B}") { #expect(error.message.contains("'\(text)'"), "\(error.message)") }
            } catch {
                Issue.record("\(text): \(error)")
            }
        }
    }

    @Test func djangoOperationsMapToOps() throws {
        func op(_ name: String, _ v1: Double? = nil, _ v2: Double? = nil) throws -> PreprocessOp {
            try PreprocessOp(django: DjangoPreprocessOperation(operationName: name, overlap: false, value1: v1, value2: v2))
        }
        #expect(try op("上下翻转") == .flipVertical)
        #expect(try op("左右翻转") == .flipHorizontal)
        #expect(try op("亮度调整", 0.4) == .brightness(0.4))
        #expect(try op("中值滤波", 5, 5) == .median(size: 5))
        #expect(try op("旋转", 270) == .rotate(quarterTurns: 3))
        #expect(try op("尺寸调整", 320, 240) == .resize(width: 320, height: 240))
        #expect(try op("填充", 4, 255) == .pad(left: 4, top: 4, right: 4, bottom: 4, value: 255))
        #expect(try op("高斯滤波", 5, 1.2) == .gaussian(sigma: 1.2, size: 5))
        #expect(try op("flip_v") == .flipVertical)
        for (name, v1, v2) in [("中值滤波", 5.0, 3.0), ("亮度调整", nil, nil), ("裁剪", 1, 2), ("锐化", 1, nil)] as [(String, Double?, Double?)] {
            #expect(throws: AIArtsError.self) { try op(name, v1, v2) }
            do { _ = try op(name, v1, v2) } catch let e as AIArtsError { #expect(e.message.contains("'\(name)'"), "\(e.message)") } catch {}
        }
        // The document's JSON decodes.
        let doc = #"{"operationName":"上下翻转","overlap":true,"value1":null,"value2":null}"#
        let decoded = try JSONDecoder().decode(DjangoPreprocessOperation.self, from: Data(doc.utf8))
        #expect(decoded.overlap == true && decoded.value1 == nil)
    }

    @Test func outputSizeFollowsTheOpsAndRefusesACropOutside() throws {
        let ops = try PreprocessOp.parse(["rotate=90", "pad=2", "resize=20", "crop=0,0,10,5"])
        // 40x30 → 30x40 → 34x44 → longest 20: 15x20 (15.45 rounds to 15) → 10x5
        #expect(try PreprocessPipeline.outputSize(Array(ops.prefix(3)), for: ImageSize(width: 40, height: 30)) == ImageSize(width: 15, height: 20))
        #expect(try PreprocessPipeline.outputSize(ops, for: ImageSize(width: 40, height: 30)) == ImageSize(width: 10, height: 5))
        #expect(throws: AIArtsError.self) {
            try PreprocessPipeline.outputSize([.crop(x: 30, y: 0, width: 20, height: 5)], for: ImageSize(width: 40, height: 30))
        }
        #expect(throws: AIArtsError.self) {
            try PreprocessPipeline.outputSize([.resize(width: 65_535, height: 65_535)], for: ImageSize(width: 4, height: 4))
        }
        let image = RGBImage(width: 40, height: 30, color: .white)
        let out = PreprocessPipeline.apply(ops, to: image)
        #expect(out.size == ImageSize(width: 10, height: 5))
    }

    @Test func handMadeOpsOutsideTheGrammarDoNotCrash() throws {
        let image = RGBImage(width: 5, height: 4, color: RGBColor(100, 150, 200))
        let odd: [PreprocessOp] = [.brightness(.nan), .brightness(1e300), .contrast(-.infinity), .gamma(-2), .median(size: 4),
                                   .median(size: -7), .gaussian(sigma: -1, size: 4), .gaussian(sigma: 1, size: -3),
                                   .pad(left: -3, top: 0, right: 0, bottom: 0, value: 1), .resize(width: 0, height: 0),
                                   .crop(x: Int.max, y: -5, width: Int.max, height: 2), .rotate(quarterTurns: Int.min)]
        for op in odd {
            let out = PreprocessPipeline.apply(op, to: image)
            #expect(out.width >= 1 && out.height >= 1, "\(op)")
        }
        #expect(PreprocessPipeline.apply(.brightness(.nan), to: image) == image)
        #expect(throws: AIArtsError.self) { try PreprocessPipeline.outputSize([.pad(left: -3, top: 0, right: 0, bottom: 0, value: 0)], for: image.size) }
        #expect(throws: AIArtsError.self) { try PreprocessPipeline.outputSize([.resize(width: 0, height: 0)], for: image.size) }
    }
}
