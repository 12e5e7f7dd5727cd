import Foundation
import Testing
@testable import AIArtsEngine

/// The model-assisted order: strongest disagreement with a task's predictions first.
@Suite struct ReviewDisagreementTests {
    func entry(_ file: String, _ labels: [(String, Double)]) -> String {
        "{\"file\":\"\(file)\",\"labels\":[" + labels.map { "{\"label\":\"\($0.0)\",\"score\":\($0.1)}" }.joined(separator: ",") + "]}"
    }

    func boxes(_ file: String, _ boxes: [(String, Double, [Double])]) -> String {
        "{\"file\":\"\(file)\",\"boxes\":[" + boxes.map { "{\"label\":\"\($0.0)\",\"score\":\($0.1),\"bbox\":[\($0.2.map { String($0) }.joined(separator: ","))]}" }
            .joined(separator: ",") + "]}"
    }

    @Test func classificationPutsConfidentOtherClassesFirst() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let (id, _src) = try ReviewFixtures.classification(ws)
        let ids = try ReviewFixtures.samples(ws, id)
        let path = { (name: String) in try ReviewFixtures.path(ws, try #require(ids[name])) }
        // img0 is a cat, img1 a dog, img3 a cat, img4 a dog; img2 and img5 (birds) have no predictions.
        let lines = [
            "{\"type\":\"header\",\"task\":\"classification\",\"labels\":[\"bird\",\"cat\",\"dog\"]}",
            entry(try path("img0.jpg"), [("cat", 0.9), ("dog", 0.1)]),
            entry(try path("img1.jpg"), [("cat", 0.6), ("dog", 0.4)]),
            entry(try path("img3.jpg"), [("bird", 0.97), ("cat", 0.03)]),
            entry(try path("img4.jpg"), [("dog", 0.8)]),
        ]
        let task = try ReviewFixtures.task(ws, dataset: id, type: .classification, predictions: lines.joined(separator: "\n") + "\n")
        let predictions = try ws.reviewPredictions(taskId: task)
        #expect(predictions.count == 4)
        let queue = try ws.reviewQueue(ReviewScope(datasetId: id), order: .disagreement(taskId: task), predictions: predictions)
        #expect(queue.count == 6)
        #expect(Array(queue.prefix(2)) == [ids["img3.jpg"], ids["img1.jpg"]])
        // Agreeing samples next, in dataset order; samples without predictions last.
        #expect(Set(queue[2...3]) == [ids["img0.jpg"], ids["img4.jpg"]])
        #expect(Set(queue[4...5]) == [ids["img2.jpg"], ids["img5.jpg"]])
        // Loading the predictions itself gives the same order.
        #expect(try ws.reviewQueue(ReviewScope(datasetId: id), order: .disagreement(taskId: task)) == queue)

        let item = try ws.reviewItem(try #require(ids["img3.jpg"]), predictions: predictions)
        let bird = try ReviewFixtures.labelIndex(ws, id, "bird")
        #expect(item.disagreement == 0.97)
        let suggestion = try #require(item.suggestions.first)
        #expect(suggestion.kind == .otherClass)
        #expect(suggestion.labelIndex == bird)
        #expect(suggestion.text == "model: bird 0.97 (labelled cat)")
        #expect(try ws.reviewItem(try #require(ids["img2.jpg"]), predictions: predictions).predicted == false)

        // Accepting the suggestion relabels the image, and the disagreement is gone.
        let decided = try ws.reviewDecide(item.sampleId, .acceptSuggestion(suggestion), reviewer: "alice", predictions: predictions)
        #expect(decided.boxes.map(\.labelIndex) == [bird])
        #expect(decided.state?.changed == true)
        #expect(decided.disagreement == 0)
        _ = (_folder, _src)
    }

    @Test func detectionFindsMissingSpuriousOtherClassAndPoorOverlap() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let (id, _src) = try ReviewFixtures.detection(ws)
        let ids = try ReviewFixtures.samples(ws, id)
        let path = { (name: String) in try ReviewFixtures.path(ws, try #require(ids[name])) }
        // Stored on every image: a cat (img0, img2) or dog (img1, img3) at 10,10 50x60, and a bird at 70,5 40x35.
        let lines = [
            "{\"type\":\"header\",\"task\":\"detection\",\"labels\":[\"bird\",\"cat\",\"dog\"]}",
            // img0: both boxes found, plus a confident person-sized box nothing covers: a missing box (0.9).
            boxes(try path("img0.jpg"), [("cat", 0.95, [10, 10, 50, 60]), ("bird", 0.9, [70, 5, 40, 35]), ("bird", 0.9, [20, 75, 30, 14])]),
            // img1: the dog box is called a cat (0.8); the bird box is found.
            boxes(try path("img1.jpg"), [("cat", 0.8, [11, 10, 50, 60]), ("bird", 0.9, [70, 5, 40, 35])]),
            // img2: the bird box is not predicted at all (spurious, 1.0); the cat box matches poorly.
            boxes(try path("img2.jpg"), [("cat", 0.8, [10, 10, 50, 40])]),
            // img3: all agree.
            boxes(try path("img3.jpg"), [("dog", 0.99, [10, 10, 50, 60]), ("bird", 0.7, [70, 5, 40, 35]), ("bird", 0.2, [0, 80, 5, 5])]),
        ]
        let task = try ReviewFixtures.task(ws, dataset: id, type: .detection, predictions: lines.joined(separator: "\n") + "\n")
        let predictions = try ws.reviewPredictions(taskId: task)
        let queue = try ws.reviewQueue(ReviewScope(datasetId: id), order: .disagreement(taskId: task), predictions: predictions)
        #expect(queue == [ids["img2.jpg"], ids["img0.jpg"], ids["img1.jpg"], ids["img3.jpg"]])

        let dog = try ReviewFixtures.labelIndex(ws, id, "dog"), cat = try ReviewFixtures.labelIndex(ws, id, "cat")
        let bird = try ReviewFixtures.labelIndex(ws, id, "bird")

        let img0 = try ws.reviewItem(try #require(ids["img0.jpg"]), predictions: predictions)
        #expect(img0.suggestions.map(\.kind) == [.missingBox])
        let missing = try #require(img0.suggestions.first)
        #expect(missing.score == 0.9)
        #expect(missing.labelIndex == bird)
        let added = try ws.reviewDecide(img0.sampleId, .acceptSuggestion(missing), reviewer: "alice", predictions: predictions)
        #expect(added.boxes.count == 3)
        #expect(added.boxes.last?.box == Box(x: 20, y: 75, width: 30, height: 14))
        #expect(added.suggestions.isEmpty)

        let img1 = try ws.reviewItem(try #require(ids["img1.jpg"]), predictions: predictions)
        let other = try #require(img1.suggestions.first)
        #expect(img1.suggestions.map(\.kind) == [.otherClass])
        #expect(other.labelIndex == cat)
        #expect(other.score == 0.8)
        let dogBox = try #require(img1.boxes.first { $0.labelIndex == dog })
        #expect(other.annotationId == dogBox.annotationId)
        let relabelled = try ws.reviewDecide(img1.sampleId, .acceptSuggestion(other), reviewer: "alice", predictions: predictions)
        #expect(relabelled.boxes.first { $0.annotationId == dogBox.annotationId }?.labelIndex == cat)

        let img2 = try ws.reviewItem(try #require(ids["img2.jpg"]), predictions: predictions)
        #expect(img2.suggestions.map(\.kind) == [.spuriousBox, .poorOverlap])
        let spurious = img2.suggestions[0], poor = img2.suggestions[1]
        #expect(spurious.score == 1)
        #expect(img2.boxes.first { $0.annotationId == spurious.annotationId }?.labelIndex == bird)
        // IoU of 50x40 inside 50x60 is 2/3: (1 - 2/3) × 0.8.
        #expect(abs(poor.score - 0.8 / 3) < 1e-9)
        try ws.reviewDecide(img2.sampleId, .acceptSuggestion(spurious), reviewer: "alice")
        let moved = try ws.reviewDecide(img2.sampleId, .acceptSuggestion(poor), reviewer: "alice", predictions: predictions)
        #expect(moved.boxes.map(\.box) == [Box(x: 10, y: 10, width: 50, height: 40)])
        #expect(moved.suggestions.isEmpty)

        #expect(try ws.reviewItem(try #require(ids["img3.jpg"]), predictions: predictions).suggestions.isEmpty)
        #expect(try ReviewFixtures.labelCounts(ws, id) == ["bird": 4, "cat": 3, "dog": 1])
        _ = (_folder, _src)
    }

    @Test func aTaskWithoutPredictionsSaysHowToMakeThem() throws {
        let (ws, _folder) = try Fixtures.workspace()
        let (id, _src) = try ReviewFixtures.classification(ws)
        let project = try ws.createProject(name: "p", type: .classification, datasetID: id)
        let task = try ws.createTask(projectID: project.id, trainer: .command, params: ["command": "true"])
        do {
            _ = try ws.reviewPredictions(taskId: task.id)
            Issue.record("predictions were found")
        } catch let error as AIArtsError {
            #expect(error.kind == .notFound)
            #expect(error.message.contains("aiarts task eval \(task.id)"))
        }
        #expect(throws: AIArtsError.self) { try ws.reviewQueue(ReviewScope(datasetId: id), order: .disagreement(taskId: task.id)) }
        _ = (_folder, _src)
    }

    @Test func predictionsOfUnknownFilesAndLabelsAreIgnored() throws {
        let file = try PredictionsFile.parse(Array("""
            {"type":"header","task":"detection","labels":["cat"]}
            {"file":"a.jpg","boxes":[{"label":"zebra","score":0.99,"bbox":[0,0,10,10]},{"label":"cat","score":0.9,"bbox":[0,0,0,10]}]}
            """.utf8))
        let predictions = ReviewPredictions(taskId: "T0001", predictions: [file])
        let entry = try #require(predictions.entries["a.jpg"])
        #expect(ReviewDisagreement.suggestions(type: .detection, labels: ["cat"], boxes: [], entry: entry).isEmpty)
    }

    @Test func scoresAndBoxesAreWrittenShort() {
        #expect(ReviewDisagreement.fixed2(0.97) == "0.97")
        #expect(ReviewDisagreement.fixed2(1) == "1.00")
        #expect(ReviewDisagreement.fixed2(0.054) == "0.05")
        #expect(ReviewDisagreement.fixed2(0.999) == "1.00")
        #expect(ReviewDisagreement.fixed2(.nan) == "nan")
        #expect(ReviewDisagreement.format(Box(x: 1.4, y: 2.6, width: 30, height: 14.5)) == "1,3 30x15")
    }
}
